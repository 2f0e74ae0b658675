using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Automation;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Engine;
using SpecEditor.Hosting;

namespace SpecEditor.Web.Pages.Runs;

/// <summary>The start-a-run form: repository, base branch, agent, feature description, phases and dry run.</summary>
public sealed class NewModel(AutomationService automation, IActorProvider actors) : PageModel
{
    public IReadOnlyList<string> Repositories => automation.Repositories;

    public IReadOnlyList<AgentDefinition> Agents => automation.Agents;

    public IReadOnlyList<string> MissingSecrets(AgentDefinition agent) => automation.MissingSecrets(agent);

    [BindProperty]
    public string? Repository { get; set; }

    [BindProperty]
    public string BaseBranch { get; set; } = "main";

    [BindProperty]
    public string? Agent { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    /// <summary>How far to go: specify, plan or tasks (each includes the phases before it).</summary>
    [BindProperty]
    public string Through { get; set; } = Steps.Tasks;

    [BindProperty]
    public bool DryRun { get; set; }

    public string? Problem { get; private set; }

    public void OnGet()
    {
        Repository = Repositories.Count > 0 ? Repositories[0] : null;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        actors.RequireWriter(HttpContext);
        var phases = Steps.Phases.Take(Steps.Phases.ToList().IndexOf(Through) + 1).ToArray();
        try
        {
            var (run, _) = await automation.SubmitAsync(
                new SubmitRunRequest(Repository, BaseBranch, Description, Agent, phases.Length == 0 ? null : phases, DryRun, IdempotencyKey: null),
                headerKey: null, cancellationToken);
            return Redirect(run.Url);
        }
        catch (AppException ex) when (ex.StatusCode < 500)
        {
            Problem = ex.Message;
            Response.StatusCode = ex.StatusCode;
            return Page();
        }
    }
}
