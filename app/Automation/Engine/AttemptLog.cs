using System.Text;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Runners;
using SpecEditor.Automation.Store;

namespace SpecEditor.Automation.Engine;

/// <summary>
/// A job's output as it arrives: each line is redacted, kept for the attempt's log artifacts (up to a cap) and written as a
/// run event in small batches, so live viewers on any instance see it within a fraction of a second.
/// </summary>
internal sealed class AttemptLog : IAsyncDisposable
{
    private const int MaxEventLine = 4000;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    private readonly ClaimedStep _claim;
    private readonly RunStore _store;
    private readonly SecretRedactor _redactor;
    private readonly RunNotifier _notifier;
    private readonly TimeProvider _clock;
    private readonly int _maxBytes;
    private readonly Lock _gate = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<EventRow> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flusher;
    private int _stdoutBytes;
    private int _stderrBytes;
    private bool _stdoutCut;
    private bool _stderrCut;
    private string? _lastErrorLine;

    public AttemptLog(ClaimedStep claim, RunStore store, SecretRedactor redactor, RunNotifier notifier, TimeProvider clock, int maxBytes)
    {
        _claim = claim;
        _store = store;
        _redactor = redactor;
        _notifier = notifier;
        _clock = clock;
        _maxBytes = maxBytes;
        _flusher = FlushPeriodicallyAsync();
    }

    public ValueTask AppendAsync(OutputChannel stream, string line)
    {
        var redacted = line.EndsWith(LineSplitter.CutMarker, StringComparison.Ordinal)
            ? _redactor.RedactCut(line[..^LineSplitter.CutMarker.Length]) + LineSplitter.CutMarker
            : _redactor.Redact(line);
        lock (_gate)
        {
            var stdout = stream == OutputChannel.StdOut;
            if (!stdout && redacted.Length > 0)
            {
                _lastErrorLine = redacted;
            }

            if (stdout ? _stdoutCut : _stderrCut)
            {
                // Past the cap a line reaches neither the log artifact nor the events, so the database stays bounded too.
                return ValueTask.CompletedTask;
            }

            var buffer = stdout ? _stdout : _stderr;
            ref var bytes = ref stdout ? ref _stdoutBytes : ref _stderrBytes;
            var size = Encoding.UTF8.GetByteCount(redacted) + 1;
            var message = redacted;
            if (bytes + size <= _maxBytes)
            {
                bytes += size;
            }
            else
            {
                message = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[log cut at {_maxBytes} bytes (AUTOMATION_MAX_LOG_BYTES)]");
                _stdoutCut |= stdout;
                _stderrCut |= !stdout;
            }

            buffer.Append(message).Append('\n');
            _pending.Add(new EventRow
            {
                RunId = _claim.Run.Id,
                At = _clock.GetUtcNow(),
                Kind = stdout ? EventKinds.StdOut : EventKinds.StdErr,
                Step = _claim.Step.Name,
                Attempt = _claim.Attempt,
                Message = message.Length > MaxEventLine ? message[..MaxEventLine] + "…" : message,
            });
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Writes a note of the engine's own into the attempt's event stream (already free of secrets).</summary>
    public ValueTask NoteAsync(string message)
    {
        lock (_gate)
        {
            _pending.Add(new EventRow { RunId = _claim.Run.Id, At = _clock.GetUtcNow(), Kind = EventKinds.Log, Step = _claim.Step.Name, Attempt = _claim.Attempt, Message = _redactor.Redact(message) });
        }

        return ValueTask.CompletedTask;
    }

    public byte[] Stdout
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetBytes(_stdout.ToString());
            }
        }
    }

    public byte[] Stderr
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetBytes(_stderr.ToString());
            }
        }
    }

    /// <summary>The last stderr line (also past the log cap), for the failure reason people see first.</summary>
    public string? LastErrorLine
    {
        get
        {
            lock (_gate)
            {
                return _lastErrorLine is not { Length: > 0 } last ? null : last.Length > 300 ? last[..300] + "…" : last;
            }
        }
    }

    public async Task FlushAsync()
    {
        EventRow[] batch;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            batch = [.. _pending];
            _pending.Clear();
        }

        try
        {
            await _store.AddEventsAsync(batch, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            // Keep the lines for the next flush: a database hiccup must not lose the log.
            lock (_gate)
            {
                _pending.InsertRange(0, batch);
            }

            throw;
        }

        _notifier.EventsAdded(_claim.Run.Id);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _flusher.ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task FlushPeriodicallyAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(FlushInterval, _stop.Token).ConfigureAwait(false);
                try
                {
                    await FlushAsync().ConfigureAwait(false);
                }
                catch (System.Data.Common.DbException)
                {
                    // Retried on the next tick; the final flush reports a lasting failure.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
