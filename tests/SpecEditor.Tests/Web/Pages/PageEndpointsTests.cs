using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Web.Pages;

/// <summary>The pages as minimal-API endpoints: every form post checks its antiforgery token, pages answer HEAD, stray posts get the friendly page.</summary>
public sealed class PageEndpointsTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async ValueTask InitializeAsync() => _app = await TestApp.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void Every_page_that_takes_a_post_requires_an_antiforgery_token()
    {
        var posts = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Post) == true)
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .ToArray();

        Assert.NotEmpty(posts);
        Assert.All(posts, post => Assert.True(
            post.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true },
            $"{post.RoutePattern.RawText} takes posts without checking their antiforgery token"));
    }

    [Theory]
    [InlineData("/pods/new?handler=Preview")]
    [InlineData("/pods/new?handler=Submit")]
    [InlineData("/pods/acme/dev?handler=Submit")]
    [InlineData("/changes/1?handler=Merge")]
    [InlineData("/changes/1?handler=Close")]
    [InlineData("/runs/new")]
    [InlineData("/runs/0123456789abcdef0123456789abcdef?handler=Cancel")]
    [InlineData("/runs/0123456789abcdef0123456789abcdef?handler=Retry")]
    public async Task A_form_post_without_its_token_gets_the_friendly_400_page(string path)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Customer"] = "initrode", ["Environment"] = "dev" });
        using var response = await _app.Client.PostAsync(new Uri(path, UriKind.Relative), content, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reload the page and try again", html, StringComparison.Ordinal);
        Assert.Equal(["main"], new GitCli(_app.RepositoryPath).Branches());
    }

    [Theory]
    [InlineData("/pods/acme/dev")]
    [InlineData("/pods/acme/dev?handler=Delete")]
    public async Task A_post_that_names_no_form_of_the_page_is_a_bad_request(string path)
    {
        var page = await _app.Client.GetStringAsync(new Uri("/pods/acme/dev", UriKind.Relative), TestContext.Current.CancellationToken);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token });

        using var response = await _app.Client.PostAsync(new Uri(path, UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("data-testid=\"error\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/pods/acme/dev")]
    [InlineData("/changes")]
    [InlineData("/runs")]
    public async Task Pages_answer_head_requests(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri(path, UriKind.Relative));
        using var response = await _app.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Pages_stay_out_of_the_openapi_document()
    {
        var document = await _app.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Contains("\"/api/pods\"", document, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/pods/", document, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/error\"", document, StringComparison.Ordinal);
    }
}
