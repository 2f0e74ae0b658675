namespace SpecEditor.Specs.GitHub;

/// <summary>Concurrent callers share one running read instead of each sending the same request to GitHub.</summary>
internal sealed class SingleFlight<T>
{
    private readonly Lock _gate = new();
    private Task<T>? _running;

    /// <remarks>The shared read is not cancelled by one caller leaving; each caller stops waiting on its own token.</remarks>
    public Task<T> RunAsync(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        Task<T> task;
        lock (_gate)
        {
            task = _running ??= Start(read);
        }

        return task.WaitAsync(cancellationToken);
    }

    private Task<T> Start(Func<Task<T>> read)
    {
        var started = Task.Run(read, CancellationToken.None);
        started.ContinueWith(Forget, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return started;
    }

    private void Forget(Task<T> done)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_running, done))
            {
                _running = null;
            }
        }
    }
}
