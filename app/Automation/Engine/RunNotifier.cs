namespace SpecEditor.Automation.Engine;

/// <summary>
/// In-process signals: "there may be work" for the worker, "this run has new events" for live streams, and "stop this run"
/// for the executor holding it. Other instances learn the same from the database on their next poll or lease renewal.
/// A run is known here only while someone watches it, so finished runs take no memory.
/// </summary>
public sealed class RunNotifier
{
    private readonly RunSignals _events = new();
    private readonly RunSignals _stops = new();
    private TaskCompletionSource _work = NewSource();

    public void WorkAvailable() => Interlocked.Exchange(ref _work, NewSource()).TrySetResult();

    public Task WaitForWorkAsync() => Volatile.Read(ref _work).Task;

    public void EventsAdded(string runId) => _events.Raise(runId);

    /// <summary>A live stream's watch on the run's events; dispose it when the stream ends.</summary>
    public RunWatch WatchEvents(string runId) => _events.Watch(runId);

    public void StopRequested(string runId) => _stops.Raise(runId);

    /// <summary>The executor's watch for a stop request while it holds one of the run's steps; dispose it when the step ends.</summary>
    public RunWatch WatchStop(string runId) => _stops.Watch(runId);

    /// <summary>How many runs are watched (for events or a stop): what this notifier holds in memory.</summary>
    internal int WatchedRunCount => _events.Count + _stops.Count;

    internal static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One watcher's interest in a run's signal. The run is forgotten when its last watch is disposed.</summary>
public sealed class RunWatch : IDisposable
{
    private readonly RunSignals _signals;
    private readonly string _runId;
    private int _disposed;

    internal RunWatch(RunSignals signals, string runId)
    {
        _signals = signals;
        _runId = runId;
    }

    /// <summary>Completes at the run's next signal after this call (so call it before reading what the signal announces).</summary>
    public Task NextAsync() => _signals.Next(_runId);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _signals.Release(_runId);
        }
    }
}

/// <summary>Per watched run: how many watch it, and the signal they wait for next.</summary>
internal sealed class RunSignals
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public RunWatch Watch(string runId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(runId, out var entry))
            {
                entry = new Entry();
                _entries[runId] = entry;
            }

            entry.Watchers++;
        }

        return new RunWatch(this, runId);
    }

    public void Raise(string runId)
    {
        TaskCompletionSource? raised = null;
        lock (_gate)
        {
            if (_entries.TryGetValue(runId, out var entry))
            {
                raised = entry.Next;
                entry.Next = RunNotifier.NewSource();
            }
        }

        raised?.TrySetResult();
    }

    public Task Next(string runId)
    {
        lock (_gate)
        {
            return _entries[runId].Next.Task;
        }
    }

    public void Release(string runId)
    {
        lock (_gate)
        {
            if (--_entries[runId].Watchers == 0)
            {
                _entries.Remove(runId);
            }
        }
    }

    private sealed class Entry
    {
        public int Watchers;

        public TaskCompletionSource Next = RunNotifier.NewSource();
    }
}
