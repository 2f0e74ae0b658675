using System.Globalization;

namespace SpecEditor.Health;

/// <summary>
/// <c>SpecEditor healthcheck [--url URL]</c>: asks the running app whether it is ready and exits 0 (ready) or 1 (not).
/// The container's HEALTHCHECK runs this, so the image needs no curl or shell.
/// </summary>
public static class HealthCheckCommand
{
    public const string Name = "healthcheck";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length >= 2 && args[0] == "--url"
            ? args[1]
            : $"http://127.0.0.1:{(Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } port ? port : "5000")}/health/ready";
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new Uri(url)).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {body}"));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            Console.Error.WriteLine($"not ready: {url}: {ex.Message}");
            return 1;
        }
    }
}
