using System.Text.Encodings.Web;
using RazorSlices;

namespace SpecEditor.Web.Pages;

/// <summary>What every page gives the layout: its title.</summary>
public sealed record LayoutModel(string Title);

/// <summary>Turns a page's Razor Slice into the endpoint's result.</summary>
public static class HtmlPage
{
    /// <summary>
    /// Renders the page into memory, then sends it. Unlike a slice returned as it is (which starts the response, then streams),
    /// a page that fails while rendering still becomes the friendly 500 page, and a form rendered anywhere on the page can
    /// still set the antiforgery cookie: both need the response not to have started.
    /// </summary>
    public static IResult Render(RazorSlice page, int statusCode = StatusCodes.Status200OK) => new BufferedPage(page, statusCode);

    private sealed class BufferedPage(RazorSlice page, int statusCode) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => statusCode;

        public string ContentType => "text/html; charset=utf-8";

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            using var slice = page;
            slice.HttpContext = httpContext;
            slice.ServiceProvider = httpContext.RequestServices;
            using var html = new MemoryStream(16 * 1024);
            await slice.RenderAsync(html, HtmlEncoder.Default, httpContext.RequestAborted);

            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = ContentType;
            response.ContentLength = html.Length;
            await response.Body.WriteAsync(html.GetBuffer().AsMemory(0, (int)html.Length), httpContext.RequestAborted);
        }
    }
}
