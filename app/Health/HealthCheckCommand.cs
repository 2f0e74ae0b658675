using System.Net.Sockets;
using System.Text;

namespace SpecEditor.Health;

/// <summary>
/// <c>SpecEditor healthcheck [--url URL]</c>: asks the running app whether it is ready and exits 0 (ready) or 1 (not).
/// The container's HEALTHCHECK runs this, so the image needs no curl or shell. It speaks plain HTTP/1.0 over a socket
/// instead of loading HttpClient: the check starts a whole process every few seconds, so its start-up cost is what counts.
/// </summary>
public static class HealthCheckCommand
{
    public const string Name = "healthcheck";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length >= 2 && args[0] == "--url"
            ? args[1]
            : $"http://127.0.0.1:{(Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } port ? port : "5000")}/health/ready";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http")
        {
            await Console.Error.WriteLineAsync($"not ready: '{url}' is not an http:// URL").ConfigureAwait(false);
            return 1;
        }

        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(uri.Host, uri.Port, timeout.Token).ConfigureAwait(false);
            await using var stream = client.GetStream();
            // HTTP/1.0: the server then sends the body as is (never chunked) and closes the connection after it.
            var request = $"GET {uri.PathAndQuery} HTTP/1.0\r\nHost: {uri.Authority}\r\nAccept: application/json\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var response = await reader.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
            var statusLine = response.AsSpan(0, Math.Max(0, response.IndexOf("\r\n", StringComparison.Ordinal)));
            var separator = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var status = statusLine.Length >= 12 && int.TryParse(statusLine[9..12], out var code) ? code : 0;
            Console.WriteLine($"{status} {(separator >= 0 ? response[(separator + 4)..] : string.Empty)}");
            return status is >= 200 and < 300 ? 0 : 1;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"not ready: {url}: {(ex is OperationCanceledException ? "no answer within 5 s" : ex.Message)}").ConfigureAwait(false);
            return 1;
        }
    }
}
