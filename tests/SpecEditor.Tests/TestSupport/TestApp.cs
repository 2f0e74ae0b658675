using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SpecEditor.Hosting;

namespace SpecEditor.Tests.TestSupport;

/// <summary>
/// The real app, started in-process on 127.0.0.1 with a random port and its own data folder, reached over real HTTP.
/// Settings override environment variables, exactly as the app reads them.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly TempDirectory? _ownedData;

    private TestApp(WebApplication app, Uri baseAddress, string dataDir, TempDirectory? ownedData)
    {
        App = app;
        BaseAddress = baseAddress;
        DataDir = dataDir;
        _ownedData = ownedData;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public Uri BaseAddress { get; }

    public string DataDir { get; }

    public HttpClient Client { get; }

    /// <summary>The local store's bare repository.</summary>
    public string RepositoryPath => Path.Combine(DataDir, "specs.git");

    public static async Task<TestApp> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, string? dataDir = null)
    {
        var owned = dataDir is null ? new TempDirectory("spec-editor-test") : null;
        var directory = dataDir ?? owned!.Path;
        var merged = new Dictionary<string, string?>
        {
            ["DATA_DIR"] = directory,
            ["LISTEN_ADDRESS"] = "127.0.0.1",
            ["PORT"] = "0",
            ["SPEC_STORE"] = "local",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        var app = SpecEditorApp.Create([], merged, configure);
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            owned?.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), directory, owned);
    }

    public async Task<T> GetJsonAsync<T>(string path)
    {
        using var response = await Client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return (await response.Content.ReadFromJsonAsync<T>(TestContext.Current.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        _ownedData?.Dispose();
    }
}
