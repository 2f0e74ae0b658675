using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Automation;
using SpecEditor.Automation.Engine;
using SpecEditor.Automation.Store;

namespace SpecEditor.Web.Pages.Runs;

/// <summary>Automation runs, newest first, filtered by state, a page at a time.</summary>
public sealed class IndexModel(AutomationService automation) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<RunResponse> Runs { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public string? State { get; private set; }

    public async Task OnGetAsync(string? state, string? cursor, CancellationToken cancellationToken)
    {
        State = RunStates.All.Contains(state ?? "") ? state : null;
        RunListResponse page;
        try
        {
            page = await automation.ListAsync(new RunFilter(State, null, null), cursor, PageSize, cancellationToken);
        }
        catch (AutomationRequestException)
        {
            // A stale or hand-made cursor: show the first page rather than an error.
            page = await automation.ListAsync(new RunFilter(State, null, null), null, PageSize, cancellationToken);
        }

        Runs = page.Runs;
        NextCursor = page.NextCursor;
    }
}
