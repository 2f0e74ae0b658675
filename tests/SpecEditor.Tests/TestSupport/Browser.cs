using Microsoft.Playwright;

namespace SpecEditor.Tests.TestSupport;

/// <summary>
/// Headless Chromium from the Debian package, driven by Playwright. The flags keep Chromium from reaching for Google's
/// services, which this network refuses.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    public static async Task<Browser> LaunchAsync()
    {
        var executable = Requires.Chromium();

        // CI runs the browser beside Docker jobs and other test classes on two cores: allow for a slow moment.
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            return new Browser(playwright, chromium);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh page with JavaScript on or off.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, bool javaScript = true)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), JavaScriptEnabled = javaScript });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
