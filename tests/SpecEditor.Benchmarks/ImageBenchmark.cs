using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Benchmarks;

/// <summary>
/// The container image: its size, how long a container takes from `docker run` to healthy, and its memory when idle.
/// Builds the image from the repository root with app/Dockerfile, or measures an existing one (--image).
/// </summary>
public sealed partial class ImageBenchmark : IBenchmark
{
    private const double SizeTargetMb = 120;
    private const double StartTargetSeconds = 2;

    public string Name => "image";

    public string Description => "container image size, start to healthy, idle memory  [--image TAG] [--runs N]";

    public async Task<int> RunAsync(string[] args)
    {
        var image = Option(args, "--image");
        var runs = int.Parse(Option(args, "--runs") ?? "5", CultureInfo.InvariantCulture);
        try
        {
            if (image is null)
            {
                image = "spec-editor:benchmark";
                Console.WriteLine($"building {image} from app/Dockerfile ...");
                var build = Stopwatch.StartNew();
                await DockerAsync(["build", "--quiet", "--file", "app/Dockerfile", "--tag", image, "."], SpecEditor.Tests.TestSupport.RepositoryRoot.Path, TimeSpan.FromMinutes(20));
                Console.WriteLine($"  built in {build.Elapsed.TotalSeconds:0.0} s");
            }

            await MeasureSizeAsync(image);
            await MeasureStartAsync(image, runs);
            await MeasureIdleMemoryAsync(image);
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"image benchmark could not measure: {ex.Message}");
            return 1;
        }
    }

    private static async Task MeasureSizeAsync(string image)
    {
        var inspected = JsonDocument.Parse(await DockerAsync(["image", "inspect", image])).RootElement[0];
        var size = inspected.GetProperty("Size").GetInt64() / 1e6;
        Console.WriteLine();
        Console.WriteLine($"image size (uncompressed)      {size,8:0.0} MB    target <= {SizeTargetMb} MB   {Verdict(size <= SizeTargetMb)}");

        // Which layers make it: the base image against what the Dockerfile adds.
        var history = await DockerAsync(["history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", image]);
        foreach (var line in history.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).Where(l => l[0] != "0B"))
        {
            Console.WriteLine($"  layer {line[0],10}  {Shorten(line[1], 90)}");
        }
    }

    /// <summary>
    /// From `docker run` to the first 200 of /health/ready on the published port, with no health check running (the app's
    /// own start; first starts get an empty data volume: migrations, seeding the git store; restarts find their data),
    /// and to Docker's own "healthy": the image's check, run every 100 ms here instead of every 10 s so the figure measures
    /// the image, not the polling interval. Each check is a process of its own, so on a small machine checks that close
    /// together also slow the start they wait for; one check's duration is printed too.
    /// </summary>
    private static async Task MeasureStartAsync(string image, int runs)
    {
        var firstReady = new List<double>();
        var restartReady = new List<double>();
        var healthy = new List<double>();
        var check = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            await using (var container = await BenchContainer.RunAsync(image, "--no-healthcheck"))
            {
                firstReady.Add(await container.WaitReadyAsync());
                await DockerAsync(["stop", container.Name]);
                container.Clock.Restart();
                await DockerAsync(["start", container.Name]);
                restartReady.Add(await container.WaitReadyAsync());
            }

            await using (var container = await BenchContainer.RunAsync(image, "--health-interval", "100ms"))
            {
                healthy.Add(await container.WaitHealthyAsync());
                var probe = Stopwatch.StartNew();
                await DockerAsync(["exec", container.Name, "/app/SpecEditor", "healthcheck"]);
                check.Add(probe.Elapsed.TotalSeconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"start, {runs} runs (median / max):");
        Console.WriteLine($"  docker run to ready (HTTP 200), first start    {Median(firstReady),5:0.00} s / {firstReady.Max():0.00} s");
        Console.WriteLine($"  docker start to ready (HTTP 200), restart      {Median(restartReady),5:0.00} s / {restartReady.Max():0.00} s");
        Console.WriteLine($"  docker run to healthy (Docker), first start    {Median(healthy),5:0.00} s / {healthy.Max():0.00} s   target <= {StartTargetSeconds} s   {Verdict(Median(healthy) <= StartTargetSeconds)}");
        Console.WriteLine($"  one health check (docker exec ... healthcheck) {Median(check),5:0.00} s / {check.Max():0.00} s");
    }

    /// <summary>Memory of the container (as `docker stats` reports it) idling after a few requests, health checks at the image's own interval.</summary>
    private static async Task MeasureIdleMemoryAsync(string image)
    {
        await using var container = await BenchContainer.RunAsync(image);
        await container.WaitReadyAsync();
        foreach (var path in new[] { "", "api/pods", "api/pods/acme/dev", "changes", "health/ready" })
        {
            (await container.Client.GetAsync(new Uri(path, UriKind.Relative))).EnsureSuccessStatusCode();
        }

        await Task.Delay(TimeSpan.FromSeconds(15));
        var samples = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            samples.Add(ParseMemory(await DockerAsync(["stats", "--no-stream", "--format", "{{.MemUsage}}", container.Name])));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Console.WriteLine();
        Console.WriteLine($"idle memory (docker stats)     {Median(samples),8:0.0} MiB  (min {samples.Min():0.0}, max {samples.Max():0.0}; no target)");
    }

    internal static async Task WaitReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync(new Uri("health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Accepted but not answering yet.
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no 200 from /health/ready within {timeout.TotalSeconds:0} s");
    }

    internal static async Task<string> DockerAsync(string[] args, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start docker");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish in time");
        }

        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"docker {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
    }

    private static double ParseMemory(string usage)
    {
        // "165.6MiB / 23.54GiB"
        var match = MemoryUsage().Match(usage);
        if (!match.Success)
        {
            throw new InvalidOperationException($"cannot read memory usage from '{usage.Trim()}'");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "KiB" => value / 1024,
            "GiB" => value * 1024,
            "B" => value / 1024 / 1024,
            _ => value,
        };
    }



    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Verdict(bool met) => met ? "met" : "MISSED";

    private static string Shorten(string text, int length)
    {
        var flat = text.Replace("/bin/sh -c ", "", StringComparison.Ordinal).Replace("#(nop) ", "", StringComparison.Ordinal).Trim();
        return flat.Length <= length ? flat : flat[..(length - 1)] + "…";
    }

    [GeneratedRegex(@"^\s*([0-9.]+)\s*(B|KiB|MiB|GiB)")]
    private static partial Regex MemoryUsage();
}

/// <summary>A container of the image, read-only with a tmpfs /tmp as compose runs it, port 8080 on a free loopback port; removed with its volumes.</summary>
internal sealed class BenchContainer : IAsyncDisposable
{
    private BenchContainer(string name, int port, Stopwatch clock)
    {
        Name = name;
        Clock = clock;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Name { get; }

    /// <summary>Started just before `docker run`.</summary>
    public Stopwatch Clock { get; }

    public HttpClient Client { get; }

    public static async Task<BenchContainer> RunAsync(string image, params string[] options)
    {
        var name = $"spec-editor-bench-{Guid.NewGuid():N}"[..30];
        var port = LoopbackPort.Free();
        var clock = Stopwatch.StartNew();
        await ImageBenchmark.DockerAsync(["run", "--detach", "--name", name, "--read-only", "--tmpfs", "/tmp", "--publish", $"127.0.0.1:{port}:8080", .. options, image]);
        return new BenchContainer(name, port, clock);
    }

    /// <summary>Seconds on <see cref="Clock"/> at the first 200 from /health/ready.</summary>
    public async Task<double> WaitReadyAsync()
    {
        await ImageBenchmark.WaitReadyAsync(Client, TimeSpan.FromSeconds(60));
        return Clock.Elapsed.TotalSeconds;
    }

    /// <summary>Seconds on <see cref="Clock"/> when Docker first reports the container healthy.</summary>
    public async Task<double> WaitHealthyAsync()
    {
        while (Clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if ((await ImageBenchmark.DockerAsync(["inspect", "--format", "{{.State.Health.Status}}", Name])).Trim() == "healthy")
            {
                return Clock.Elapsed.TotalSeconds;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Docker did not report {Name} healthy within 60 s");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await ImageBenchmark.DockerAsync(["rm", "--force", "--volumes", Name]);
    }
}
