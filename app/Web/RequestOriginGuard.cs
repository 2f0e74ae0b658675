using System.Net;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;

namespace SpecEditor.Web;

/// <summary>
/// Refuses what a browser sends on behalf of another site. Forms carry antiforgery tokens, but the JSON API does not, and
/// on the local store it needs no sign-in: without this, any web page could post a plain form to <c>/api/changes/1/merge</c>
/// (or cancel and retry runs) on an editor running on the user's machine.
/// <list type="bullet">
/// <item>State-changing requests (anything but GET, HEAD, OPTIONS and TRACE) are refused when the browser says they come
/// from another site: <c>Sec-Fetch-Site</c> other than <c>same-origin</c> or <c>none</c>, or, from browsers that do not send
/// it, an <c>Origin</c> that is neither this host nor <c>PUBLIC_URL</c>. Requests with neither header do not come from a
/// browser page (curl, scripts, the health check) and pass. This is the rule of Go's <c>net/http.CrossOriginProtection</c>.</item>
/// <item>While the app listens on loopback only, any request for a host name other than localhost, 127.0.0.1, [::1] or
/// <c>PUBLIC_URL</c>'s is refused: that is a DNS-rebinding page, which the browser considers same-origin.</item>
/// </list>
/// </summary>
public static class RequestOriginGuard
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    public static WebApplication UseRequestOriginGuard(this WebApplication app)
    {
        var hosting = app.Services.GetRequiredService<IOptions<HostingSettings>>().Value;
        var publicUrl = hosting.PublicUrl is { Length: > 0 } url ? new Uri(url) : null;
        var loopbackOnly = IPAddress.IsLoopback(hosting.ListenIPAddress());
        app.Use((context, next) =>
        {
            if (loopbackOnly && !IsAllowedHost(context.Request.Host, publicUrl))
            {
                return RefuseAsync(context, StatusCodes.Status400BadRequest, "request.host_not_allowed",
                    $"This app listens on loopback and answers only for localhost, 127.0.0.1 and [::1]{(publicUrl is null ? "" : " and " + publicUrl.Host)}; set PUBLIC_URL to the address you use.");
            }

            if (!IsSafeMethod(context.Request.Method) && IsCrossOrigin(context.Request, publicUrl))
            {
                return RefuseAsync(context, StatusCodes.Status403Forbidden, "request.cross_origin",
                    "The request came from another site's page; the spec editor only accepts changes from its own pages and from API clients.");
            }

            return next(context);
        });
        return app;
    }

    private static bool IsAllowedHost(HostString host, Uri? publicUrl) =>
        LoopbackHosts.Contains(host.Host, StringComparer.OrdinalIgnoreCase)
        || (publicUrl is not null && string.Equals(host.Host, publicUrl.Host, StringComparison.OrdinalIgnoreCase));

    private static bool IsSafeMethod(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool IsCrossOrigin(HttpRequest request, Uri? publicUrl)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0)
        {
            return fetchSite is not ("same-origin" or "none");
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }

        // "null" (a sandboxed frame, a file: page) and anything unparseable are another site too.
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from))
        {
            return true;
        }

        return !string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            && !(publicUrl is not null && string.Equals(from.GetLeftPart(UriPartial.Authority), publicUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase));
    }

    private static Task RefuseAsync(HttpContext context, int status, string code, string detail)
    {
        if (ApiProblems.IsApiRequest(context))
        {
            return ApiProblems.WriteAsync(context, ApiProblems.Create(status, code, detail));
        }

        // Pages: the status code pages show the friendly error page for this status.
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
