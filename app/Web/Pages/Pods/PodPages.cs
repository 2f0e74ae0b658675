using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Web.Pages.Pods;

/// <summary>A pod's page with its edit form, and the new-pod form: each previews a diff, then submits a change.</summary>
internal static class PodPages
{
    public static void MapPodPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/pods/new", PageEndpoints.GetOrHead, static async (SpecService specs, CancellationToken cancellationToken) =>
        {
            var page = new NewPodPage(specs);
            await page.LoadAsync(cancellationToken);
            return HtmlPage.Render(New.Create(page));
        });

        pages.MapPost("/pods/new", static (string? handler, IFormCollection form, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken) =>
            PageEndpoints.IsHandler(handler, "Preview") ? new NewPodPage(specs).PreviewAsync(form, cancellationToken)
            : PageEndpoints.IsHandler(handler, "Submit") ? new NewPodPage(specs).SubmitAsync(form, actors, context, cancellationToken)
            : Task.FromResult(Results.BadRequest()));

        pages.MapMethods("/pods/{customer}/{environment}", PageEndpoints.GetOrHead, static async (string customer, string environment, SpecService specs, HttpContext context, CancellationToken cancellationToken) =>
        {
            var page = new PodPage(specs);
            return await page.LoadAsync(customer, environment, cancellationToken) ? await page.RenderAsync(context, cancellationToken) : Results.NotFound();
        });

        pages.MapPost("/pods/{customer}/{environment}", static (string customer, string environment, string? handler, IFormCollection form, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken) =>
            PageEndpoints.IsHandler(handler, "Preview") ? new PodPage(specs).PreviewAsync(customer, environment, form, context, cancellationToken)
            : PageEndpoints.IsHandler(handler, "Submit") ? new PodPage(specs).SubmitAsync(customer, environment, form, actors, context, cancellationToken)
            : Task.FromResult(Results.BadRequest()));
    }
}

/// <summary>A pod: its form (from the schema), a diff preview before submit, its history, its open change and, with the GitHub store, its live state there.</summary>
public sealed class PodPage(SpecService specs)
{
    public PodDetail Pod { get; private set; } = null!;

    public IReadOnlyList<HistoryEntry> History { get; private set; } = [];

    /// <summary>
    /// The fields the user changed (null before a post). Only these are edits; they are shown again after a preview or a
    /// refused submit, on top of the file as it is now, and the preview's submit form carries only them.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Edits { get; private set; }

    public ChangePreview? Preview { get; private set; }

    public IReadOnlyList<ValidationError> Errors { get; private set; } = [];

    public SpecConflictException? Conflict { get; private set; }

    public ChangeRequest? Duplicate { get; private set; }

    public string? Notice { get; private set; }

    public string? Version { get; private set; }

    public string? Message { get; private set; }

    /// <summary>The GitHub panel; null with the local store, whose changes are reviewed in the app.</summary>
    public PodStatusView? GitHub { get; private set; }

    public async Task<IResult> PreviewAsync(string customer, string environment, IFormCollection form, HttpContext context, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(customer, environment, cancellationToken))
        {
            return Results.NotFound();
        }

        ReadForm(form);
        await TryAsync(async () => Preview = await specs.PreviewEditAsync(Pod.Pod, Version ?? string.Empty, Edits!, cancellationToken));
        return await RenderAsync(context, cancellationToken);
    }

    public async Task<IResult> SubmitAsync(string customer, string environment, IFormCollection form, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(customer, environment, cancellationToken))
        {
            return Results.NotFound();
        }

        ReadForm(form);
        ChangeRequest? change = null;
        await TryAsync(async () => change = await specs.SubmitEditAsync(Pod.Pod, Version ?? string.Empty, Edits!, Message, actors.RequireWriter(context), cancellationToken));
        return change is null ? await RenderAsync(context, cancellationToken) : Results.Redirect($"/changes/{change.Id}/submitted");
    }

    /// <summary>
    /// A field of the edit form: the user's change if they made one, otherwise the file's value as it is now. The original is
    /// always the file as it is now, so after a conflict the form holds the user's changes on top of the latest version and
    /// posting it again never turns someone else's newer value back into the stale one.
    /// </summary>
    public FieldInput Input(FieldView view) => new(
        view,
        Edits is not null && Edits.TryGetValue(view.Field.DottedPath, out var edited) ? edited : view.Value,
        Edits is null ? view.Errors : Errors.Where(e => e.Path == view.Field.DottedPath).ToArray(),
        FormValues.Untouched(view.Field, view.Value));

    public async Task<bool> LoadAsync(string customer, string environment, CancellationToken cancellationToken)
    {
        if (!specs.Paths.TryCreate(customer, environment, out var pod))
        {
            return false;
        }

        try
        {
            Pod = await specs.GetPodAsync(pod, cancellationToken);
        }
        catch (PodNotFoundException)
        {
            return false;
        }

        History = await specs.GetHistoryAsync(pod, cancellationToken);
        return true;
    }

    /// <summary>Reads the GitHub panel last, only for a page that is shown (a submit that redirects needs none).</summary>
    public async Task<IResult> RenderAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.RequestServices.GetService<ChangeStatusService>() is { } status)
        {
            GitHub = await status.GetAsync(Pod.Pod, cancellationToken);
        }

        return HtmlPage.Render(Pods.Pod.Create(this));
    }

    private void ReadForm(IFormCollection form)
    {
        Version = FormValues.Field(form, "Version");
        Message = FormValues.Field(form, "Message");
        Edits = FormValues.ReadChanged(form);
    }

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (InvalidSpecException ex)
        {
            Errors = ex.Errors;
        }
        catch (SpecConflictException ex)
        {
            Conflict = ex;
            Version = Pod.Version;
        }
        catch (DuplicateChangeException ex)
        {
            Duplicate = ex.Existing;
        }
        catch (NoChangesException ex)
        {
            Notice = ex.Message;
        }
        catch (UnreadableSpecException ex)
        {
            Notice = ex.Message;
        }
    }
}

/// <summary>Create a pod: names, the schema's fields with their defaults, a preview of the new file, then a change.</summary>
public sealed class NewPodPage(SpecService specs)
{
    public IReadOnlyList<FieldView> Fields { get; private set; } = [];

    public IReadOnlyList<string> Environments => specs.Paths.Environments;

    public IReadOnlyDictionary<string, string?>? Posted { get; private set; }

    public ChangePreview? Preview { get; private set; }

    public IReadOnlyList<ValidationError> Errors { get; private set; } = [];

    public string? Problem { get; private set; }

    public ChangeRequest? Duplicate { get; private set; }

    public string? Customer { get; private set; }

    public string? Environment { get; private set; }

    public string? Message { get; private set; }

    public async Task LoadAsync(CancellationToken cancellationToken) =>
        Fields = await specs.GetNewPodFieldsAsync(cancellationToken);

    public async Task<IResult> PreviewAsync(IFormCollection form, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        ReadForm(form);
        await TryAsync(async () => Preview = await specs.PreviewCreateAsync(Customer, Environment, Posted!, cancellationToken));
        return HtmlPage.Render(New.Create(this));
    }

    public async Task<IResult> SubmitAsync(IFormCollection form, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        ReadForm(form);
        ChangeRequest? change = null;
        await TryAsync(async () => change = await specs.SubmitCreateAsync(Customer, Environment, Posted!, Message, actors.RequireWriter(context), cancellationToken));
        return change is null ? HtmlPage.Render(New.Create(this)) : Results.Redirect($"/changes/{change.Id}/submitted");
    }

    public FieldInput Input(FieldView view) => new(
        view,
        Posted is not null && Posted.TryGetValue(view.Field.DottedPath, out var posted) ? posted : view.Value,
        Errors.Where(e => e.Path == view.Field.DottedPath).ToArray());

    private void ReadForm(IFormCollection form)
    {
        Posted = FormValues.Read(form);
        Customer = FormValues.Field(form, "Customer");
        Environment = FormValues.Field(form, "Environment");
        Message = FormValues.Field(form, "Message");
    }

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (InvalidSpecException ex)
        {
            Errors = ex.Errors;
        }
        catch (InvalidPodNameException ex)
        {
            Errors = ex.Errors;
        }
        catch (PodExistsException ex)
        {
            Problem = ex.Message;
        }
        catch (DuplicateChangeException ex)
        {
            Duplicate = ex.Existing;
        }
    }
}
