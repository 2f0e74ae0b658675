using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using LibGit2Sharp;

using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Benchmarks;

/// <summary>
/// The spec editor on a local store with 100 pods, as the Release build the image ships (the Native AOT executable) in its
/// own process: start to first ready answer, idle resident memory, and GET /api/pods throughput and p99 latency under wrk
/// (bounded, loopback).
/// </summary>
public sealed partial class FoundationBenchmark : IBenchmark
{
    public string Name => "foundation";

    public string Description => "start-to-ready, idle RSS and GET /api/pods throughput with 100 pods (needs wrk)";

    public async Task<int> RunAsync(string[] args)
    {
        var duration = args.Length > 0 ? args[0] : "10s";
        var temp = new TempDirectory("spec-editor-bench");
        var dataDir = Path.Combine(temp.Path, "data");
        try
        {
            var executable = await PublishAsync(Path.Combine(temp.Path, "app"));
            Directory.CreateDirectory(dataDir);
            SeedRepository(Path.Combine(dataDir, "specs.git"), pods: 100);
            Console.WriteLine($"Data folder {dataDir} seeded with 100 pods.");

            // First run creates the database; the measured start is the usual one, on an existing data folder.
            var firstRun = await MeasureStartAsync(executable, dataDir);
            firstRun.Process.Kill();
            await firstRun.Process.WaitForExitAsync();
            var starts = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var run = await MeasureStartAsync(executable, dataDir);
                starts.Add(run.ReadyMs);
                run.Process.Kill();
                await run.Process.WaitForExitAsync();
            }

            var app = await MeasureStartAsync(executable, dataDir);
            try
            {
                using var client = new HttpClient { BaseAddress = app.BaseAddress };
                (await client.GetAsync(new Uri("/api/pods", UriKind.Relative))).EnsureSuccessStatusCode();
                (await client.GetAsync(new Uri("/", UriKind.Relative))).EnsureSuccessStatusCode();
                await Task.Delay(TimeSpan.FromSeconds(5));
                var idleRss = ResidentMegabytes(app.Process.Id);

                await RunWrkAsync(app.BaseAddress, "3s");
                var (requestsPerSecond, p99, errors) = await RunWrkAsync(app.BaseAddress, duration);
                var loadedRss = ResidentMegabytes(app.Process.Id);

                Console.WriteLine();
                Console.WriteLine("| figure | value | target |");
                Console.WriteLine("| --- | --- | --- |");
                Console.WriteLine($"| first run to ready (creates the database) | {firstRun.ReadyMs:F0} ms | |");
                Console.WriteLine($"| start to ready, median of 5 | {Median(starts):F0} ms (min {starts.Min():F0}, max {starts.Max():F0}) | ≤ 300 ms |");
                Console.WriteLine($"| idle resident memory | {idleRss:F1} MB | ≤ 100 MB |");
                Console.WriteLine($"| GET /api/pods throughput ({duration}, 2 threads, 64 connections) | {requestsPerSecond:F0} req/s | ≥ 15,000 req/s |");
                Console.WriteLine($"| GET /api/pods p99 latency | {p99} | |");
                Console.WriteLine($"| socket errors / non-2xx | {errors} | 0 |");
                Console.WriteLine($"| resident memory after load | {loadedRss:F1} MB | |");
                return 0;
            }
            finally
            {
                app.Process.Kill();
                await app.Process.WaitForExitAsync();
            }
        }
        finally
        {
            temp.Dispose();
        }
    }

    /// <summary>Publishes the app as the Dockerfile does (Release, Native AOT, linux-x64) and returns the executable's path.</summary>
    private static async Task<string> PublishAsync(string output)
    {
        Console.WriteLine("Publishing the app (Release, Native AOT; takes a few minutes)...");
        var clock = Stopwatch.StartNew();
        var publish = new ProcessStartInfo("dotnet", ["publish", RepositoryRoot.File("app", "SpecEditor.csproj"), "--configuration", "Release", "--runtime", "linux-x64", "--output", output, "-nologo", "-v:q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(publish)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{await stdout}{await stderr}");
        }

        var executable = Path.Combine(output, "SpecEditor");
        Console.WriteLine($"Published {executable} ({new FileInfo(executable).Length / 1024.0 / 1024.0:F1} MB) in {clock.Elapsed.TotalSeconds:F0} s.");
        return executable;
    }

    private static async Task<(Process Process, Uri BaseAddress, double ReadyMs)> MeasureStartAsync(string executable, string dataDir)
    {
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["DATA_DIR"] = dataDir,
                ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["LISTEN_ADDRESS"] = "127.0.0.1",
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                using var response = await probe.GetAsync(new Uri(baseAddress, "/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return (process, baseAddress, clock.Elapsed.TotalMilliseconds);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(2);
        }

        process.Kill();
        throw new InvalidOperationException("the app did not become ready within 30 s");
    }

    private static async Task<(double RequestsPerSecond, string P99, int Errors)> RunWrkAsync(Uri baseAddress, string duration)
    {
        var start = new ProcessStartInfo("wrk", ["-t2", "-c64", $"-d{duration}", "--latency", new Uri(baseAddress, "/api/pods").ToString()])
        {
            RedirectStandardOutput = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("wrk is not installed (Debian: apt-get install wrk)");
        }

        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var rps = double.Parse(RequestsPerSecondPattern().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var p99 = P99Pattern().Match(output).Groups[1].Value;
        var errors = ErrorsPattern().Matches(output).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return (rps, p99, errors);
    }

    private static void SeedRepository(string path, int pods)
    {
        Repository.Init(path, isBare: true);
        using var repo = new Repository(path);
        var definition = new TreeDefinition();
        string[] environments = ["dev", "stg", "prd"];
        for (var i = 0; i < pods; i++)
        {
            var customer = $"customer-{i / 3:D2}";
            var environment = environments[i % 3];
            var text = $"# Pod spec for {customer} / {environment}.\nmetadata:\n  customer: {customer}\n  environment: {environment}\nspec:\n  compute:\n    instance_name: {customer}-{environment}\n    instance_type: t3.small\n  security:\n    waf:\n      enabled: {(i % 2 == 0 ? "true" : "false")}\n";
            using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            definition.Add($"specs/{customer}/{environment}/spec.yml", repo.ObjectDatabase.CreateBlob(content), Mode.NonExecutableFile);
        }

        var signature = new Signature("Benchmark", "bench@localhost", DateTimeOffset.UtcNow);
        var commit = repo.ObjectDatabase.CreateCommit(signature, signature, "100 pods\n", repo.ObjectDatabase.CreateTree(definition), [], prettifyMessage: false);
        repo.Refs.Add("refs/heads/main", commit.Id);
        repo.Refs.UpdateTarget(repo.Refs.Head, "refs/heads/main");
    }

    private static double ResidentMegabytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }



    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecondPattern();

    [GeneratedRegex(@"\s99%\s+(\S+)")]
    private static partial Regex P99Pattern();

    [GeneratedRegex(@"(?:Non-2xx or 3xx responses|Socket errors: connect|read|write|timeout):?\s+([0-9]+)")]
    private static partial Regex ErrorsPattern();
}
