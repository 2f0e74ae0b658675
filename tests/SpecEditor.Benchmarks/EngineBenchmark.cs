using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SpecEditor.Automation;
using SpecEditor.Hosting;
using SpecEditor.Tests.Automation;

using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Benchmarks;

/// <summary>
/// The automation engine with an agent whose phases return at once (a busybox container that writes the file and exits):
/// the engine's overhead per run (run time minus the time agents ran, i.e. scheduling, containers' create/start/remove,
/// git clone/commit/push and bookkeeping), then 20 concurrent runs: wall time, peak memory of the app, failures.
/// Needs a Docker engine and /bin/busybox (Debian busybox-static).
/// </summary>
public sealed class EngineBenchmark : IBenchmark
{
    private const string Script = """
        #!/bin/sh
        set -eu
        case "$SPECKIT_PHASE" in specify) file=spec.md ;; plan) file=plan.md ;; tasks) file=tasks.md ;; esac
        mkdir -p "/workspace/$SPECKIT_FEATURE_DIR"
        echo "# $SPECKIT_PHASE: $SPECKIT_DESCRIPTION" > "/workspace/$SPECKIT_FEATURE_DIR/$file"
        echo "wrote $file"
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Name => "engine";

    public string Description => "automation engine: overhead per run (target <= 2 s) and 20 concurrent runs (wall time, peak memory, failures)";

    public async Task<int> RunAsync(string[] args)
    {
        var sequential = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var concurrent = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        if (!File.Exists("/var/run/docker.sock") || !File.Exists(AgentImageBuilder.Busybox))
        {
            Console.Error.WriteLine("engine: needs a Docker engine at /var/run/docker.sock and /bin/busybox (Debian busybox-static)");
            return 1;
        }

        var image = await AgentImageBuilder.EnsureAsync("spec-editor-bench-agent", Script, CancellationToken.None);
        var temp = new TempDirectory("spec-editor-bench");
        var data = temp.Path;
        var agents = Path.Combine(data, "agents.json");
        await File.WriteAllTextAsync(agents, AgentImageBuilder.AgentsJson(image));
        var app = SpecEditorApp.Create([], new Dictionary<string, string?>
        {
            ["DATA_DIR"] = data,
            ["LISTEN_ADDRESS"] = "127.0.0.1",
            ["PORT"] = "0",
            ["AUTOMATION_AGENTS_FILE"] = agents,
            ["TEST_AGENT_TOKEN"] = "bench",
            ["AUTOMATION_JOB_NETWORK"] = "none",
            ["AUTOMATION_MAX_CONCURRENT_RUNS"] = concurrent.ToString(CultureInfo.InvariantCulture),
            ["AUTOMATION_MAX_RUNS_PER_REPOSITORY"] = concurrent.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };

            // Warm-up: first JIT, first clone, first container.
            await RunOneAsync(client, "warm-up");

            var overheads = new List<double>();
            var totals = new List<double>();
            for (var i = 0; i < sequential; i++)
            {
                var (run, summary) = await RunOneAsync(client, $"sequential {i}");
                if (run.State != RunStates.Succeeded)
                {
                    Console.Error.WriteLine($"engine: run {run.Id} {run.State}: {run.Error}");
                    return 1;
                }

                overheads.Add(summary.OverheadSeconds ?? double.NaN);
                totals.Add(run.DurationSeconds ?? double.NaN);
            }

            overheads.Sort();
            Console.WriteLine($"engine overhead per run (excluding agent time), {sequential} sequential runs of clone → specify → plan → tasks → publish (3 containers, push, draft PR):");
            Console.WriteLine($"  mean {overheads.Average():0.00} s, median {overheads[overheads.Count / 2]:0.00} s, max {overheads[^1]:0.00} s   target <= 2 s   {(overheads[^1] <= 2 ? "MET" : "MISSED")}");
            Console.WriteLine($"  run time (agent time included) mean {totals.Average():0.00} s");

            var peak = 0L;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                using var process = Process.GetCurrentProcess();
                while (!sampling.IsCancellationRequested)
                {
                    process.Refresh();
                    peak = Math.Max(peak, process.WorkingSet64);
                    await Task.Delay(50, CancellationToken.None);
                }
            });
            var wall = Stopwatch.StartNew();
            var runs = await Task.WhenAll(Enumerable.Range(0, concurrent).Select(i => RunOneAsync(client, $"concurrent {i}")));
            wall.Stop();
            await sampling.CancelAsync();
            await sampler;

            var failures = runs.Count(r => r.Run.State != RunStates.Succeeded);
            var concurrentOverheads = runs.Select(r => r.Summary.OverheadSeconds ?? double.NaN).Order().ToArray();
            Console.WriteLine($"{concurrent} concurrent runs on {Environment.ProcessorCount} cores:");
            Console.WriteLine($"  wall time {wall.Elapsed.TotalSeconds:0.0} s, failures {failures}   target: all finish, no failure   {(failures == 0 ? "MET" : "MISSED")}");
            Console.WriteLine($"  peak memory of the app {peak / (1024.0 * 1024):0} MiB (working set)");
            Console.WriteLine($"  per-run overhead under load: median {concurrentOverheads[concurrentOverheads.Length / 2]:0.00} s, max {concurrentOverheads[^1]:0.00} s");
            foreach (var failed in runs.Where(r => r.Run.State != RunStates.Succeeded))
            {
                Console.WriteLine($"  failed: {failed.Run.Id} {failed.Run.State}: {failed.Run.Error}");
            }

            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            temp.Dispose();
        }
    }

    private static async Task<(RunResponse Run, RunSummary Summary)> RunOneAsync(HttpClient client, string description)
    {
        using var submitted = await client.PostAsJsonAsync("/api/automation/runs", new { repository = "local", baseBranch = "main", description = $"Benchmark {description}", agent = "test" });
        submitted.EnsureSuccessStatusCode();
        var run = (await submitted.Content.ReadFromJsonAsync<RunResponse>(Json))!;
        while (true)
        {
            await Task.Delay(100);
            run = (await client.GetFromJsonAsync<RunResponse>($"/api/automation/runs/{run.Id}", Json))!;
            if (RunStates.IsFinal(run.State) && run.Artifacts!.Any(a => a.Name == "run-summary.json"))
            {
                var summary = (await client.GetFromJsonAsync<RunSummary>($"/api/automation/runs/{run.Id}/artifacts/run-summary.json", Json))!;
                return (run, summary);
            }
        }
    }

}
