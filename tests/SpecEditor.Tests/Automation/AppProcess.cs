using System.Diagnostics;
using System.Net;
using System.Text;

using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>
/// The built app as a real separate process (<c>dotnet SpecEditor.dll</c>, or a published executable), configured by
/// environment variables on a free loopback port, so a test can kill it with SIGKILL mid-run and start it again.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int Id => _process.Id;

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

    /// <param name="executable">A published app (the Native AOT executable); by default the JIT build the tests were built with.</param>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string? executable = null)
    {
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(executable ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (executable is null)
        {
            start.ArgumentList.Add(AppDll());
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        start.Environment["LISTEN_ADDRESS"] = "127.0.0.1";
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start)!;
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the app exited with {process.ExitCode} while starting:\n{app.Output}");
            }

            try
            {
                using var response = await app.Client.GetAsync("/health/live", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        await app.DisposeAsync();
        Assert.Fail($"the app did not answer within 60 s:\n{app.Output}");
        return app;
    }

    /// <summary>SIGKILL: no shutdown hooks, no lease hand-back; exactly a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    /// <summary>The app's own build output (app/bin/&lt;configuration&gt;/net10.0/SpecEditor.dll), built with the tests.</summary>
    private static string AppDll()
    {
        // Tests run from tests/SpecEditor.Tests/bin/<configuration>/<framework>/.
        var directory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = RepositoryRoot.File("app", "bin", directory.Parent!.Name, directory.Name, "SpecEditor.dll");
        Assert.True(File.Exists(dll), $"the built app is not at {dll}");
        return dll;
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
