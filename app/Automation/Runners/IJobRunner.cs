namespace SpecEditor.Automation.Runners;

/// <summary>Identifies a job by what it does, so any instance can find it by label after a crash.</summary>
public sealed record JobKey(string RunId, string Step, int Attempt)
{
    /// <summary>The job's name with every runner (container, Kubernetes Job and its secret): <c>speckit-&lt;run id, 12&gt;-&lt;step&gt;-&lt;attempt&gt;</c>.</summary>
    public string ResourceName => $"speckit-{RunId[..Math.Min(12, RunId.Length)]}-{Step}-{Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>One phase's container: image, command, environment (secrets included; <see cref="SecretNames"/> says which), the run's workspace, limits and labels.</summary>
public sealed record JobSpec(
    JobKey Key,
    string Instance,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    string WorkspacePath,
    string User,
    long MemoryBytes,
    double Cpus,
    long Pids,
    string Network,
    IReadOnlyCollection<string> SecretNames)
{
    public const string WorkspaceMount = "/workspace";
}

public sealed record JobInfo(string Id, JobKey Key, string? Instance, bool Running);

public sealed record JobResult(int ExitCode, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Problem);

public enum OutputChannel
{
    StdOut,
    StdErr,
}

/// <summary>
/// Runs phase jobs: the Docker Engine API beside a Docker host, Kubernetes Jobs in a cluster. Jobs carry labels
/// (<see cref="Labels"/>) with the run, step, attempt and app instance, so orphans are found after a crash.
/// </summary>
public interface IJobRunner
{
    string Kind { get; }

    /// <summary>Creates and starts the job; returns its id. Fails with <see cref="PermanentStepException"/> when the job can never start (no such image).</summary>
    Task<string> StartAsync(JobSpec spec, CancellationToken cancellationToken);

    /// <summary>The job for this key, if one exists (running or not).</summary>
    Task<JobInfo?> FindAsync(JobKey key, CancellationToken cancellationToken);

    /// <summary>Streams the job's output from its start, line by line, and returns when it has exited.</summary>
    Task<JobResult> WaitAsync(string jobId, Func<OutputChannel, string, ValueTask> onLine, CancellationToken cancellationToken);

    /// <summary>Stops the job if it runs (a short grace period, then kill) and removes it with everything it holds.</summary>
    Task RemoveAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Every job this deployment started (its scope), on any instance.</summary>
    Task<IReadOnlyList<JobInfo>> ListAsync(CancellationToken cancellationToken);
}

public static class Labels
{
    public const string App = "dev.spec-editor.automation";
    public const string Run = "dev.spec-editor.run";
    public const string Step = "dev.spec-editor.step";
    public const string Attempt = "dev.spec-editor.attempt";
    public const string Instance = "dev.spec-editor.instance";

    /// <param name="scope">The deployment the job belongs to (<c>AUTOMATION_JOB_SCOPE</c>); the value of the <see cref="App"/> label.</param>
    public static Dictionary<string, string> For(JobKey key, string instance, string scope) => new(StringComparer.Ordinal)
    {
        [App] = scope,
        [Run] = key.RunId,
        [Step] = key.Step,
        [Attempt] = key.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [Instance] = instance,
    };

    public static JobKey? Parse(IDictionary<string, string>? labels) =>
        labels is not null
        && labels.TryGetValue(Run, out var run)
        && labels.TryGetValue(Step, out var step)
        && labels.TryGetValue(Attempt, out var attemptText)
        && int.TryParse(attemptText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var attempt)
            ? new JobKey(run, step, attempt)
            : null;
}

/// <summary>
/// Splits a byte stream into lines (UTF-8), keeping a partial line until its end arrives. A line longer than
/// <see cref="MaxLineChars"/> is cut there: its start is passed on ending in <see cref="CutMarker"/> and the rest, up to the
/// next newline, is dropped, so a job printing without newlines cannot make the app hold its whole output.
/// </summary>
internal sealed class LineSplitter(OutputChannel stream, Func<OutputChannel, string, ValueTask> onLine)
{
    /// <summary>
    /// 1 Mi characters (2 MiB in memory per stream): far beyond any line a person reads, and a bound the log cap
    /// (AUTOMATION_MAX_LOG_BYTES) cannot give, because a line only reaches the log once its end has arrived.
    /// </summary>
    public const int MaxLineChars = 1024 * 1024;

    public static readonly string CutMarker = string.Create(System.Globalization.CultureInfo.InvariantCulture, $" [line cut at {MaxLineChars} characters]");

    private readonly System.Text.Decoder _decoder = System.Text.Encoding.UTF8.GetDecoder();
    private readonly System.Text.StringBuilder _pending = new();

    /// <summary>True from the cut of an over-long line until its newline: what arrives meanwhile is dropped.</summary>
    private bool _dropping;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        var chars = new char[System.Text.Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        var count = _decoder.GetChars(bytes.Span, chars, flush: false);
        var start = 0;
        while (start < count)
        {
            var newline = Array.IndexOf(chars, '\n', start, count - start);
            var end = newline < 0 ? count : newline;
            if (!_dropping)
            {
                var room = MaxLineChars - _pending.Length;
                if (end - start <= room)
                {
                    _pending.Append(chars, start, end - start);
                }
                else
                {
                    // Never split a surrogate pair: that would pass on half a character.
                    var take = room > 0 && char.IsHighSurrogate(chars[start + room - 1]) ? room - 1 : room;
                    _pending.Append(chars, start, take);
                    var cut = _pending.Append(CutMarker).ToString();
                    _pending.Clear();
                    _dropping = true;
                    await onLine(stream, cut).ConfigureAwait(false);
                }
            }

            if (newline < 0)
            {
                break;
            }

            if (_dropping)
            {
                _dropping = false;
            }
            else
            {
                var line = _pending.ToString().TrimEnd('\r');
                _pending.Clear();
                await onLine(stream, line).ConfigureAwait(false);
            }

            start = newline + 1;
        }
    }

    public async ValueTask FlushAsync()
    {
        if (_pending.Length > 0)
        {
            var line = _pending.ToString();
            _pending.Clear();
            await onLine(stream, line).ConfigureAwait(false);
        }
    }
}
