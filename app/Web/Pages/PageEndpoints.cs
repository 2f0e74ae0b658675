using SpecEditor.Specs;
using SpecEditor.Web.Pages.Changes;
using SpecEditor.Web.Pages.Pods;
using SpecEditor.Web.Pages.Runs;

namespace SpecEditor.Web.Pages;

/// <summary>
/// The server-rendered pages as minimal-API endpoints that render Razor Slices. Pages answer GET and HEAD (as Razor Pages
/// did); their forms post back to the page's own address, with <c>?handler=</c> naming the form where a page has several.
/// Every form post binds the form (<see cref="IFormCollection"/>), which makes the endpoint require a valid antiforgery
/// token: the antiforgery middleware checks it and a post without one is refused with 400 before the handler runs.
/// </summary>
public static class PageEndpoints
{
    internal static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder endpoints)
    {
        // Pages are not part of the API: they stay out of the OpenAPI document.
        var pages = endpoints.MapGroup("").ExcludeFromDescription();

        // For every method: the exception handler and the status code pages re-execute a failed request here with its own
        // method. It reads no form, so it takes no antiforgery token: a refused post must still get its error page.
        pages.Map("/error", static (HttpContext context, string? status) =>
        {
            var error = ErrorPage.Describe(context, status);
            return HtmlPage.Render(Error.Create(error), error.Status);
        });

        pages.MapMethods("/", GetOrHead, static async (SpecService specs, CancellationToken cancellationToken) =>
            HtmlPage.Render(Index.Create(await specs.GetDashboardAsync(cancellationToken))));

        pages.MapPodPages();
        pages.MapChangePages();
        pages.MapRunPages();
        return endpoints;
    }

    /// <summary>Whether the post names this form in <c>?handler=</c>; Razor Pages matched handler names ignoring case.</summary>
    internal static bool IsHandler(string? handler, string name) => string.Equals(handler, name, StringComparison.OrdinalIgnoreCase);
}
