using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Specs;

namespace SpecEditor.Web.Pages;

public sealed class IndexModel(SpecService specs) : PageModel
{
    public Dashboard Dashboard { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Dashboard = await specs.GetDashboardAsync(cancellationToken);
}
