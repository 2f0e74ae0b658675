using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Specs;

namespace SpecEditor.Web.Pages.Changes;

public sealed class IndexModel(SpecService specs) : PageModel
{
    public IReadOnlyList<ChangeRequest> Changes { get; private set; } = [];

    public string State { get; private set; } = "open";

    public async Task OnGetAsync(string? state, CancellationToken cancellationToken)
    {
        State = state is "merged" or "closed" or "all" ? state : "open";
        ChangeState? filter = State switch
        {
            "merged" => ChangeState.Merged,
            "closed" => ChangeState.Closed,
            "all" => null,
            _ => ChangeState.Open,
        };
        Changes = await specs.Store.ListChangesAsync(filter, 200, cancellationToken);
    }
}
