using SpecEditor.Automation;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Engine;
using SpecEditor.Automation.Store;
using SpecEditor.Hosting;

namespace SpecEditor.Web.Pages.Runs;

/// <summary>Automation runs: the list, the start-a-run form, and one run with cancel and retry.</summary>
internal static class RunPages
{
    public const int PageSize = 50;

    public static void MapRunPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/runs", PageEndpoints.GetOrHead, static async (string? state, string? cursor, AutomationService automation, CancellationToken cancellationToken) =>
        {
            var shown = RunStates.All.Contains(state ?? "") ? state : null;
            RunListResponse page;
            try
            {
                page = await automation.ListAsync(new RunFilter(shown, null, null), cursor, PageSize, cancellationToken);
            }
            catch (AutomationRequestException)
            {
                // A stale or hand-made cursor: show the first page rather than an error.
                page = await automation.ListAsync(new RunFilter(shown, null, null), null, PageSize, cancellationToken);
            }

            return HtmlPage.Render(Index.Create(new RunListPage(shown, page.Runs, page.NextCursor)));
        });

        pages.MapMethods("/runs/new", PageEndpoints.GetOrHead, static (AutomationService automation) =>
            HtmlPage.Render(New.Create(new NewRunPage(automation))));

        pages.MapPost("/runs/new", static (IFormCollection form, AutomationService automation, IActorProvider actors, HttpContext context, CancellationToken cancellationToken) =>
            new NewRunPage(automation).SubmitAsync(form, actors, context, cancellationToken));

        pages.MapMethods("/runs/{id}", PageEndpoints.GetOrHead, static async (string id, AutomationService automation, CancellationToken cancellationToken) =>
            await RunPage.LoadAsync(automation, id, cancellationToken) is { } page ? HtmlPage.Render(Run.Create(page)) : Results.NotFound());

        pages.MapPost("/runs/{id}", static (string id, string? handler, IFormCollection form, AutomationService automation, IActorProvider actors, HttpContext context, CancellationToken cancellationToken) =>
            PageEndpoints.IsHandler(handler, "Cancel") ? ActAsync(automation, id, () => automation.CancelAsync(id, cancellationToken), actors, context, cancellationToken)
            : PageEndpoints.IsHandler(handler, "Retry") ? ActAsync(automation, id, () => automation.RetryAsync(id, FormValues.Field(form, "fromStep"), cancellationToken), actors, context, cancellationToken)
            : Task.FromResult(Results.BadRequest()));
    }

    private static async Task<IResult> ActAsync(
        AutomationService automation, string id, Func<Task<RunResponse>> action, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        actors.RequireWriter(context);
        AppException refused;
        try
        {
            await action();
            return Results.Redirect($"/runs/{id}");
        }
        catch (RunNotFoundException)
        {
            return Results.NotFound();
        }
        catch (AppException ex) when (ex.StatusCode < 500)
        {
            refused = ex;
        }

        return await RunPage.LoadAsync(automation, id, cancellationToken) is { } page
            ? HtmlPage.Render(Run.Create(page with { Problem = refused.Message }), refused.StatusCode)
            : Results.NotFound();
    }
}

/// <summary>Automation runs, newest first, filtered by state, a page at a time.</summary>
public sealed record RunListPage(string? State, IReadOnlyList<RunResponse> Runs, string? NextCursor);

/// <summary>One run: its phase timeline, pull request, artifacts and log (live while it runs).</summary>
public sealed record RunPage(RunResponse Run, IReadOnlyList<EventResponse> Events, string? Problem = null)
{
    public bool IsFinal => RunStates.IsFinal(Run.State);

    public static async Task<RunPage?> LoadAsync(AutomationService automation, string id, CancellationToken cancellationToken)
    {
        try
        {
            var run = await automation.GetAsync(id, cancellationToken);
            return new RunPage(run, await automation.GetEventsAsync(id, 0, 5000, cancellationToken));
        }
        catch (RunNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>The start-a-run form: repository, base branch, agent, feature description, phases and dry run.</summary>
public sealed class NewRunPage(AutomationService automation)
{
    public IReadOnlyList<string> Repositories => automation.Repositories;

    public IReadOnlyList<AgentDefinition> Agents => automation.Agents;

    public IReadOnlyList<string> MissingSecrets(AgentDefinition agent) => automation.MissingSecrets(agent);

    /// <summary>The first repository until the form says otherwise.</summary>
    public string? Repository { get; private set; } = automation.Repositories.Count > 0 ? automation.Repositories[0] : null;

    public string? BaseBranch { get; private set; } = "main";

    public string? Agent { get; private set; }

    public string? Description { get; private set; }

    /// <summary>How far to go: specify, plan or tasks (each includes the phases before it).</summary>
    public string? Through { get; private set; } = Steps.Tasks;

    public bool DryRun { get; private set; }

    public string? Problem { get; private set; }

    public async Task<IResult> SubmitAsync(IFormCollection form, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        actors.RequireWriter(context);
        Repository = FormValues.Field(form, "Repository");
        BaseBranch = FormValues.Field(form, "BaseBranch", absent: BaseBranch);
        Agent = FormValues.Field(form, "Agent");
        Description = FormValues.Field(form, "Description");
        Through = FormValues.Field(form, "Through", absent: Through);
        DryRun = bool.TryParse(FormValues.Field(form, "DryRun"), out var dryRun) && dryRun;
        var phases = Steps.Phases.Take(Steps.Phases.ToList().IndexOf(Through!) + 1).ToArray();
        try
        {
            var (run, _) = await automation.SubmitAsync(
                new SubmitRunRequest(Repository, BaseBranch, Description, Agent, phases.Length == 0 ? null : phases, DryRun, IdempotencyKey: null),
                headerKey: null, cancellationToken);
            return Results.Redirect(run.Url);
        }
        catch (AppException ex) when (ex.StatusCode < 500)
        {
            Problem = ex.Message;
            return HtmlPage.Render(New.Create(this), ex.StatusCode);
        }
    }
}
