using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Specs;

namespace SpecEditor.Web.Pages.Changes;

/// <summary>One change: what it does (diff), who made it and when, its state; merge or close it when the store reviews here.</summary>
public sealed class ChangeModel(SpecService specs, IActorProvider actors) : PageModel
{
    public ChangeRequest Change { get; private set; } = null!;

    public string Diff { get; private set; } = "";

    public bool CanReview => specs.Store is IChangeReview && Change.State == ChangeState.Open;

    public string? Problem { get; private set; }

    public bool Submitted { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostMergeAsync(string id, CancellationToken cancellationToken) =>
        ReviewAsync(id, (review, actor) => review.MergeAsync(id, actor, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostCloseAsync(string id, CancellationToken cancellationToken) =>
        ReviewAsync(id, (review, actor) => review.CloseAsync(id, actor, cancellationToken), cancellationToken);

    internal async Task<bool> LoadAsync(string id, CancellationToken cancellationToken, bool submitted = false)
    {
        try
        {
            (Change, Diff) = await specs.GetChangeAsync(id, cancellationToken);
            Submitted = submitted;
            return true;
        }
        catch (ChangeNotFoundException)
        {
            return false;
        }
    }

    private async Task<IActionResult> ReviewAsync(string id, Func<IChangeReview, Actor, Task<ChangeRequest>> action, CancellationToken cancellationToken)
    {
        if (specs.Store is not IChangeReview review)
        {
            return StatusCode(StatusCodes.Status405MethodNotAllowed);
        }

        try
        {
            await action(review, actors.RequireWriter(HttpContext));
        }
        catch (Exception ex) when (ex is MergeConflictException or ChangeStateException)
        {
            Problem = ex.Message;
        }
        catch (ChangeNotFoundException)
        {
            return NotFound();
        }

        if (Problem is null)
        {
            return Redirect($"/changes/{id}");
        }

        await LoadAsync(id, cancellationToken);
        return Page();
    }
}
