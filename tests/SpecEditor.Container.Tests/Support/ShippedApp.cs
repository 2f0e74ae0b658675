using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace SpecEditor.Container.Tests.Support;

/// <summary>
/// The executable the image ships (the Native AOT build from the Dockerfile), copied out of the image and run on this
/// machine on a free loopback port. The app tests run the JIT build in-process; these run the very binary users get, so
/// code that only breaks ahead-of-time (trimmed reflection, missing generic code) fails here.
/// </summary>
public sealed class ShippedApp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ShippedApp(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Copies the image's /app folder (the executable and its native libraries) into <paramref name="target"/>.</summary>
    public static async Task<string> ExtractAsync(SpecEditorImage image, string target)
    {
        var container = (await Cli.RunAsync("docker", ["create", image.Tag])).Stdout.Trim();
        try
        {
            await Cli.RunAsync("docker", ["cp", $"{container}:/app/.", target]);
        }
        finally
        {
            await Cli.TryRunAsync("docker", ["rm", "--force", container]);
        }

        return Path.Combine(target, "SpecEditor");
    }

    /// <summary>Starts the executable with these settings (plus a loopback address and port) and waits until it is ready.</summary>
    public static async Task<ShippedApp> StartAsync(string executable, IReadOnlyDictionary<string, string?> settings)
    {
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        start.Environment["LISTEN_ADDRESS"] = "127.0.0.1";
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var app = new ShippedApp(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"));
        app._process.OutputDataReceived += (_, e) => app.Append(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (app._process.HasExited)
            {
                Assert.Fail($"the shipped app exited with {app._process.ExitCode} while starting:\n{app.Output}");
            }

            try
            {
                using var response = await probe.GetAsync("health/ready", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await app.DisposeAsync();
        Assert.Fail($"the shipped app was not ready within 60 s:\n{app.Output}");
        return app;
    }

    /// <summary>A client that keeps cookies like a browser; redirects are followed only when asked.</summary>
    public HttpClient Browser(bool followRedirects = false) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = followRedirects })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
