using System.Collections.Concurrent;

namespace SpecEditor.Automation.Engine;

/// <summary>
/// In-process signals: "there may be work" for the worker, "this run has new events" for live streams, and "stop this run"
/// for the executor holding it. Other instances learn the same from the database on their next poll or lease renewal.
/// </summary>
public sealed class RunNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _stops = new(StringComparer.Ordinal);
    private TaskCompletionSource _work = NewSource();

    public void WorkAvailable() => Interlocked.Exchange(ref _work, NewSource()).TrySetResult();

    public Task WaitForWorkAsync() => Volatile.Read(ref _work).Task;

    public void EventsAdded(string runId)
    {
        if (_events.TryRemove(runId, out var source))
        {
            source.TrySetResult();
        }
    }

    /// <summary>Completes when the run gets new events (or at once if some arrived since the caller last read).</summary>
    public Task WaitForEventsAsync(string runId) => _events.GetOrAdd(runId, _ => NewSource()).Task;

    public void StopRequested(string runId)
    {
        if (_stops.TryRemove(runId, out var source))
        {
            source.TrySetResult();
        }
    }

    public Task WaitForStopAsync(string runId) => _stops.GetOrAdd(runId, _ => NewSource()).Task;

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
