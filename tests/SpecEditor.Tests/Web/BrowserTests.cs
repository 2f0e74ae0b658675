using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Web;

/// <summary>The main journey in real headless Chromium: dashboard → edit a pod → preview the diff → submit → see the change.</summary>
public sealed class BrowserTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private Browser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _browser = await Browser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Edit_a_pod_preview_the_diff_submit_and_find_the_change(bool javaScript)
    {
        var page = await _browser.NewPageAsync(_app.BaseAddress, javaScript);

        await page.GotoAsync("/");
        await page.Locator("[data-pod='acme/dev']").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/pods/acme/dev$"));
        await page.GetByLabel("Instance type").SelectOptionAsync("t3.large");
        await page.GetByLabel("Web application firewall").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview changes" }).ClickAsync();

        var diff = page.GetByTestId("preview").GetByTestId("diff");
        await Assertions.Expect(diff).ToContainTextAsync("+    instance_type: t3.large");
        await Assertions.Expect(diff).ToContainTextAsync("+      enabled: true");
        await page.GetByLabel("Summary").FillAsync("Bigger and safer acme dev");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit change" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/changes/[0-9]+/submitted$"));
        await Assertions.Expect(page.GetByTestId("submitted")).ToContainTextAsync("submitted");
        await page.GetByRole(AriaRole.Link, new() { Name = "Changes", Exact = true }).ClickAsync();
        var row = page.GetByTestId("changes").GetByRole(AriaRole.Row).Filter(new() { HasText = "Bigger and safer acme dev" });
        await Assertions.Expect(row).ToContainTextAsync("open");
        await row.GetByRole(AriaRole.Link, new() { Name = "Bigger and safer acme dev" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("diff")).ToContainTextAsync("-    instance_type: t3.small");
    }

    [Fact]
    public async Task A_conflicting_edit_shows_what_changed_and_saves_nothing()
    {
        var page = await _browser.NewPageAsync(_app.BaseAddress);
        await page.GotoAsync("/pods/acme/dev");
        var git = new GitCli(_app.RepositoryPath);
        git.CommitFile("specs/acme/dev/spec.yml", git.Show("main", "specs/acme/dev/spec.yml").Replace("owner: platform-team", "owner: another-team", StringComparison.Ordinal));

        await page.GetByLabel("Instance type").SelectOptionAsync("t3.medium");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview changes" }).ClickAsync();

        var conflict = page.GetByTestId("conflict");
        await Assertions.Expect(conflict).ToContainTextAsync("changed since you loaded it");
        await Assertions.Expect(conflict.GetByTestId("diff")).ToContainTextAsync("+  owner: another-team");
        Assert.Equal(["main"], git.Branches());
    }

    [Fact]
    public async Task After_a_conflict_previewing_again_changes_only_what_the_user_changed()
    {
        var page = await _browser.NewPageAsync(_app.BaseAddress);
        await page.GotoAsync("/pods/acme/dev");
        var git = new GitCli(_app.RepositoryPath);
        git.CommitFile("specs/acme/dev/spec.yml", git.Show("main", "specs/acme/dev/spec.yml").Replace("enabled: false", "enabled: true", StringComparison.Ordinal));

        await page.GetByLabel("Instance type").SelectOptionAsync("t3.medium");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview changes" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("conflict")).ToContainTextAsync("changed since you loaded it");
        await Assertions.Expect(page.GetByLabel("Web application firewall")).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview changes" }).ClickAsync();

        var diff = page.GetByTestId("preview").GetByTestId("diff");
        await Assertions.Expect(diff).ToContainTextAsync("+    instance_type: t3.medium");
        await Assertions.Expect(diff).Not.ToContainTextAsync("enabled: false");
    }
}
