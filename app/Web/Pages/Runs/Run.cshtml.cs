using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Automation;
using SpecEditor.Automation.Engine;
using SpecEditor.Hosting;

namespace SpecEditor.Web.Pages.Runs;

/// <summary>One run: its phase timeline, pull request, artifacts and log (live while it runs), with cancel and retry.</summary>
public sealed class RunModel(AutomationService automation, IActorProvider actors) : PageModel
{
    public RunResponse Run { get; private set; } = null!;

    public IReadOnlyList<EventResponse> Events { get; private set; } = [];

    public string? Problem { get; private set; }

    public bool IsFinal => RunStates.IsFinal(Run.State);

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostCancelAsync(string id, CancellationToken cancellationToken) =>
        ActAsync(id, () => automation.CancelAsync(id, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostRetryAsync(string id, string? fromStep, CancellationToken cancellationToken) =>
        ActAsync(id, () => automation.RetryAsync(id, fromStep, cancellationToken), cancellationToken);

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            Run = await automation.GetAsync(id, cancellationToken);
            Events = await automation.GetEventsAsync(id, 0, 5000, cancellationToken);
            return true;
        }
        catch (RunNotFoundException)
        {
            return false;
        }
    }

    private async Task<IActionResult> ActAsync(string id, Func<Task<RunResponse>> action, CancellationToken cancellationToken)
    {
        actors.RequireWriter(HttpContext);
        int status;
        try
        {
            await action();
            return Redirect($"/runs/{id}");
        }
        catch (RunNotFoundException)
        {
            return NotFound();
        }
        catch (AppException ex) when (ex.StatusCode < 500)
        {
            Problem = ex.Message;
            status = ex.StatusCode;
        }

        await LoadAsync(id, cancellationToken);
        Response.StatusCode = status;
        return Page();
    }
}
