using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Specs;

namespace SpecEditor.Web.Pages.Changes;

/// <summary>Where a save lands: the change it made, with its diff, so the user sees exactly what was proposed.</summary>
public sealed class SubmittedModel(SpecService specs, IActorProvider actors) : PageModel
{
    public ChangeModel Change { get; } = new(specs, actors);

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken) =>
        await Change.LoadAsync(id, cancellationToken, submitted: true) ? Page() : NotFound();
}
