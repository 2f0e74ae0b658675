using System.Text.Json;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Auth;

/// <summary>The local store has no sign-in: the menu names the local author and the pod page has no GitHub panel.</summary>
public sealed class LocalStoreSessionTests
{
    [Fact]
    public async Task The_local_store_shows_its_author_and_no_GitHub_panel()
    {
        await using var app = await TestApp.StartAsync();
        var me = await app.GetJsonAsync<JsonElement>("/api/me");
        Assert.True(me.GetProperty("signedIn").GetBoolean());
        Assert.Equal("local", me.GetProperty("store").GetString());

        var page = await app.Client.GetStringAsync("/pods/acme/dev", TestContext.Current.CancellationToken);
        Assert.Contains("data-testid=\"user-menu\">Spec Editor User<", page, StringComparison.Ordinal);
        Assert.DoesNotContain("github-status", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/auth/login", page, StringComparison.Ordinal);
    }
}
