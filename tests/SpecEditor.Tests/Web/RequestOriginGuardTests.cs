using System.Net;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Web;

/// <summary>
/// Another site's page cannot change anything through the API of an editor running on the user's machine (the local store
/// needs no sign-in), and a DNS-rebinding host name cannot reach it at all; API clients and the app's own pages still can.
/// </summary>
public sealed class RequestOriginGuardTests : IAsyncLifetime
{
    private TestApp _app = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _app = await TestApp.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    public async Task A_form_posted_from_another_site_cannot_merge_a_change(string header, string value)
    {
        var id = await OpenChangeAsync();

        // What a plain <form method=post action=".../merge"> on another site sends: no JSON, no token, the browser's headers.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/changes/{id}/merge") { Content = new FormUrlEncodedContent([]) };
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await _app.Client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("request.cross_origin", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        var (_, change) = await _app.Client.GetJsonAsync($"/api/changes/{id}");
        Assert.Equal("open", change.Str("state"));
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    [InlineData("Sec-Fetch-Site", "none")]
    [InlineData("Origin", "")] // no header at all: curl or a script
    public async Task The_apps_own_pages_and_api_clients_can_merge(string header, string value)
    {
        var id = await OpenChangeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/changes/{id}/merge");
        if (value.Length > 0)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await _app.Client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_origin_naming_this_host_is_the_same_site()
    {
        var id = await OpenChangeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/changes/{id}/close");
        request.Headers.TryAddWithoutValidation("Origin", $"http://{_app.BaseAddress.Authority}");

        using var response = await _app.Client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task On_loopback_a_request_for_another_host_name_is_refused()
    {
        // A DNS-rebinding page: the browser sees evil.example:PORT as its own origin, but the Host header gives it away.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/pods");
        request.Headers.Host = $"evil.example:{_app.BaseAddress.Port}";
        using var response = await _app.Client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("request.host_not_allowed", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        using var local = new HttpRequestMessage(HttpMethod.Get, "/api/pods");
        local.Headers.Host = $"localhost:{_app.BaseAddress.Port}";
        using var allowed = await _app.Client.SendAsync(local, Cancel);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    private async Task<string> OpenChangeAsync()
    {
        var version = await _app.Client.VersionAsync("acme/dev");
        var (status, change) = await _app.Client.PostJsonAsync("/api/pods/acme/dev/changes", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = "t3.large" }, message = "Bigger box" });
        Assert.Equal(HttpStatusCode.Created, status);
        return change.Str("id");
    }
}
