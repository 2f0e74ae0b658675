using SpecEditor.Specs;

namespace SpecEditor.Web.Pages.Changes;

/// <summary>The changes list, one change (merge or close it when the store reviews here) and where a save lands.</summary>
internal static class ChangePages
{
    public static void MapChangePages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/changes", PageEndpoints.GetOrHead, static async (string? state, SpecService specs, CancellationToken cancellationToken) =>
        {
            var shown = state is "merged" or "closed" or "all" ? state : "open";
            ChangeState? filter = shown switch
            {
                "merged" => ChangeState.Merged,
                "closed" => ChangeState.Closed,
                "all" => null,
                _ => ChangeState.Open,
            };
            var changes = await specs.Store.ListChangesAsync(filter, 200, cancellationToken);
            return HtmlPage.Render(Index.Create(new ChangeListPage(shown, changes)));
        });

        pages.MapMethods("/changes/{id}", PageEndpoints.GetOrHead, static async (string id, SpecService specs, CancellationToken cancellationToken) =>
            await ChangePage.LoadAsync(specs, id, cancellationToken) is { } page ? HtmlPage.Render(Change.Create(page)) : Results.NotFound());

        pages.MapPost("/changes/{id}", static (string id, string? handler, IFormCollection form, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken) =>
            PageEndpoints.IsHandler(handler, "Merge") ? ReviewAsync(specs, id, (review, actor) => review.MergeAsync(id, actor, cancellationToken), actors, context, cancellationToken)
            : PageEndpoints.IsHandler(handler, "Close") ? ReviewAsync(specs, id, (review, actor) => review.CloseAsync(id, actor, cancellationToken), actors, context, cancellationToken)
            : Task.FromResult(Results.BadRequest()));

        // Where a save lands: the change it made, with its diff, so the user sees exactly what was proposed.
        pages.MapMethods("/changes/{id}/submitted", PageEndpoints.GetOrHead, static async (string id, SpecService specs, CancellationToken cancellationToken) =>
            await ChangePage.LoadAsync(specs, id, cancellationToken, submitted: true) is { } page ? HtmlPage.Render(Submitted.Create(page)) : Results.NotFound());
    }

    private static async Task<IResult> ReviewAsync(
        SpecService specs, string id, Func<IChangeReview, Actor, Task<ChangeRequest>> action, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        if (specs.Store is not IChangeReview review)
        {
            return Results.StatusCode(StatusCodes.Status405MethodNotAllowed);
        }

        string problem;
        try
        {
            await action(review, actors.RequireWriter(context));
            return Results.Redirect($"/changes/{id}");
        }
        catch (Exception ex) when (ex is MergeConflictException or ChangeStateException)
        {
            problem = ex.Message;
        }
        catch (ChangeNotFoundException)
        {
            return Results.NotFound();
        }

        return await ChangePage.LoadAsync(specs, id, cancellationToken) is { } page
            ? HtmlPage.Render(Change.Create(page with { Problem = problem }))
            : Results.NotFound();
    }
}

/// <summary>The changes in one state (open, merged, closed or all).</summary>
public sealed record ChangeListPage(string State, IReadOnlyList<ChangeRequest> Changes);

/// <summary>One change: what it does (diff), who made it and when, its state, and whether it can be merged or closed here.</summary>
public sealed record ChangePage(ChangeRequest Change, string Diff, bool CanReview, bool Submitted, string? Problem = null)
{
    public static async Task<ChangePage?> LoadAsync(SpecService specs, string id, CancellationToken cancellationToken, bool submitted = false)
    {
        try
        {
            var (change, diff) = await specs.GetChangeAsync(id, cancellationToken);
            return new ChangePage(change, diff, specs.Store is IChangeReview && change.State == ChangeState.Open, submitted);
        }
        catch (ChangeNotFoundException)
        {
            return null;
        }
    }
}
