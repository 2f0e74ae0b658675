using System.Diagnostics.Metrics;

namespace SpecEditor.Automation;

/// <summary>The engine's OpenTelemetry instruments (exported by the Observability feature: Prometheus at /metrics, optionally StatsD).</summary>
public sealed class AutomationMetrics : IDisposable
{
    public const string MeterName = "SpecEditor.Automation";

    private readonly Meter _meter;
    private long _queueDepth;

    public AutomationMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        RunsStarted = _meter.CreateCounter<long>("automation.runs.started", "{run}", "Runs that began executing");
        RunsSucceeded = _meter.CreateCounter<long>("automation.runs.succeeded", "{run}", "Runs that published (or finished a dry run)");
        RunsFailed = _meter.CreateCounter<long>("automation.runs.failed", "{run}", "Runs that failed, timed out or could not start");
        RunsCancelled = _meter.CreateCounter<long>("automation.runs.cancelled", "{run}", "Runs cancelled by a person");
        Retries = _meter.CreateCounter<long>("automation.step.retries", "{retry}", "Step attempts that failed and were scheduled again");
        StepDuration = _meter.CreateHistogram<double>("automation.step.duration", "s", "Time from a step attempt's start to its end");
        _meter.CreateObservableGauge("automation.queue.depth", () => Volatile.Read(ref _queueDepth), "{item}", "Queued runs plus steps waiting for an executor");
    }

    public Counter<long> RunsStarted { get; }

    public Counter<long> RunsSucceeded { get; }

    public Counter<long> RunsFailed { get; }

    public Counter<long> RunsCancelled { get; }

    public Counter<long> Retries { get; }

    public Histogram<double> StepDuration { get; }

    public void SetQueueDepth(long depth) => Volatile.Write(ref _queueDepth, depth);

    public void RunFinished(string state)
    {
        var counter = state switch
        {
            RunStates.Succeeded => RunsSucceeded,
            RunStates.Cancelled => RunsCancelled,
            _ => RunsFailed,
        };
        counter.Add(1);
    }

    public void Dispose() => _meter.Dispose();
}
