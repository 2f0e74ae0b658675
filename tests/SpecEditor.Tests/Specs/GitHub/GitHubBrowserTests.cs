using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Specs.GitHub;

/// <summary>The GitHub journey in headless Chromium: sign in with GitHub (consent page included) → edit a pod → pull request → live status → sign out.</summary>
public sealed class GitHubBrowserTests
{
    [Fact]
    public async Task Sign_in_with_GitHub_edit_a_pod_and_open_a_pull_request()
    {
        await using var world = await GitHubWorld.StartAsync();
        world.Fake.BrowserUser = world.Alice;
        world.Fake.RequireConsent = true;
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(world.App.BaseAddress);

        await page.GotoAsync("/pods/acme/dev");
        await page.GetByTestId("sign-in-hint").GetByRole(AriaRole.Link).ClickAsync();
        await page.Locator("#authorize").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/pods/acme/dev$"));
        await Assertions.Expect(page.GetByTestId("user-menu")).ToContainTextAsync("alice");

        await page.GetByLabel("Instance type").SelectOptionAsync("t3.large");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview changes" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview").GetByTestId("diff")).ToContainTextAsync("+    instance_type: t3.large");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit change" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/changes/1/submitted$"));

        var pull = Assert.Single(world.Repo.Pulls);
        Assert.Equal("alice", pull.Author.Login);
        var link = page.GetByTestId("submitted").GetByRole(AriaRole.Link, new() { Name = "Open on GitHub" });
        Assert.Equal($"{world.Fake.WebUrl}acme/specs/pull/1", await link.GetAttributeAsync("href"));
        Assert.Contains("instance_type: t3.large", world.Repo.ReadFile(pull.Head, "specs/acme/dev/spec.yml"), StringComparison.Ordinal);

        await page.GotoAsync("/pods/acme/dev");
        await Assertions.Expect(page.GetByTestId("pr-state")).ToHaveTextAsync("open");
        await Assertions.Expect(page.GetByTestId("open-change")).ToContainTextAsync("change 1");

        await page.GetByTestId("user-menu").Locator("summary").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sign-in")).ToBeVisibleAsync();
    }
}
