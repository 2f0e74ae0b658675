using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;

namespace SpecEditor.Automation.Runners;

/// <summary>
/// Phase jobs as Docker containers through the Engine API: non-root, read-only root filesystem with a small /tmp, all
/// capabilities dropped, no new privileges, memory/CPU/pids limits, only the run's workspace mounted (never the Docker
/// socket), labelled with run/step/attempt/instance, and removed after the step.
/// </summary>
public sealed partial class DockerJobRunner : IJobRunner, IDisposable
{
    private static readonly TimeSpan LogDrain = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(10);

    private readonly Lazy<DockerClient> _client;
    private readonly AutomationSettings _settings;
    private readonly ILogger<DockerJobRunner> _logger;
    private readonly string _scope;

    public DockerJobRunner(IOptions<AutomationSettings> settings, Engine.AutomationInstance instance, ILogger<DockerJobRunner> logger)
    {
        _settings = settings.Value;
        _scope = instance.Scope;
        _logger = logger;
        // Made on first use: building the client loads Docker.DotNet and its JSON serializer, start-up work that an
        // instance which never runs a job should not pay for.
        _client = new Lazy<DockerClient>(() =>
        {
            using var configuration = new DockerClientConfiguration(new Uri(_settings.DockerHost));
            return configuration.CreateClient();
        });
    }

    public string Kind => "docker";

    private DockerClient Client => _client.Value;

    public async Task<string> StartAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        var parameters = new CreateContainerParameters
        {
            Name = spec.Key.ResourceName,
            Image = spec.Image,
            Cmd = spec.Command.ToList(),
            Env = spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            User = spec.User,
            WorkingDir = JobSpec.WorkspaceMount,
            Labels = Labels.For(spec.Key, spec.Instance, _scope),
            AttachStdout = true,
            AttachStderr = true,
            HostConfig = new HostConfig
            {
                Binds = [$"{HostPath(spec.WorkspacePath)}:{JobSpec.WorkspaceMount}:rw"],
                Memory = spec.MemoryBytes,
                MemorySwap = spec.MemoryBytes,
                NanoCPUs = (long)(spec.Cpus * 1_000_000_000),
                PidsLimit = spec.Pids,
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = "rw,nosuid,nodev,size=256m" },
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                NetworkMode = spec.Network,
                AutoRemove = false,
            },
        };

        CreateContainerResponse created;
        try
        {
            created = await Client.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            await PullAsync(spec.Image, cancellationToken).ConfigureAwait(false);
            created = await Client.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // A container with this name exists: an earlier try of this very attempt created it before the app stopped.
            var existing = await FindAsync(spec.Key, cancellationToken).ConfigureAwait(false)
                ?? throw new TransientStepException($"container name {parameters.Name} is taken", ex);
            await RemoveAsync(existing.Id, cancellationToken).ConfigureAwait(false);
            created = await Client.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveAsync(created.ID, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        LogStarted(_logger, created.ID[..12], spec.Key.RunId, spec.Key.Step, spec.Key.Attempt, spec.Image);
        return created.ID;
    }

    public async Task<JobInfo?> FindAsync(JobKey key, CancellationToken cancellationToken)
    {
        var found = await ListAsync(
            [$"{Labels.App}={_scope}", $"{Labels.Run}={key.RunId}", $"{Labels.Step}={key.Step}", $"{Labels.Attempt}={key.Attempt.ToString(CultureInfo.InvariantCulture)}"],
            cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    public Task<IReadOnlyList<JobInfo>> ListAsync(CancellationToken cancellationToken) => ListAsync([$"{Labels.App}={_scope}"], cancellationToken);

    public async Task<JobResult> WaitAsync(string jobId, Func<OutputChannel, string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        using var logCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var logs = PumpLogsAsync(jobId, onLine, logCancel.Token);
        ContainerWaitResponse exit;
        try
        {
            exit = await Client.Containers.WaitContainerAsync(jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException ex)
        {
            throw new TransientStepException("the job's container disappeared before it finished", ex);
        }
        finally
        {
            // The log stream ends by itself when the container stops; don't let a stuck stream hold the step.
            logCancel.CancelAfter(LogDrain);
            try
            {
                await logs.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var state = (await Client.Containers.InspectContainerAsync(jobId, cancellationToken).ConfigureAwait(false)).State;
        var problem = state.OOMKilled ? "the job ran out of memory (OOM-killed)" : exit.Error?.Message;
        return new JobResult((int)exit.StatusCode, ParseTime(state.StartedAt), ParseTime(state.FinishedAt), problem);
    }

    public async Task RemoveAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Containers.StopContainerAsync(jobId, new ContainerStopParameters { WaitBeforeKillSeconds = 2 }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            return;
        }

        try
        {
            await Client.Containers.RemoveContainerAsync(jobId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // "removal already in progress": another instance is removing it.
        }
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    private async Task<IReadOnlyList<JobInfo>> ListAsync(IEnumerable<string> labels, CancellationToken cancellationToken)
    {
        var containers = await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels.ToDictionary(l => l, _ => true) },
        }, cancellationToken).ConfigureAwait(false);
        return containers
            .Select(c => (Container: c, Key: Labels.Parse(c.Labels)))
            .Where(c => c.Key is not null)
            .Select(c => new JobInfo(c.Container.ID, c.Key!, c.Container.Labels.TryGetValue(Labels.Instance, out var instance) ? instance : null, c.Container.State == "running"))
            .ToArray();
    }

    private async Task PumpLogsAsync(string jobId, Func<OutputChannel, string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        using var stream = await Client.Containers.GetContainerLogsAsync(jobId, tty: false, new ContainerLogsParameters
        {
            Follow = true,
            ShowStdout = true,
            ShowStderr = true,
        }, cancellationToken).ConfigureAwait(false);
        var stdout = new LineSplitter(OutputChannel.StdOut, onLine);
        var stderr = new LineSplitter(OutputChannel.StdErr, onLine);
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF)
            {
                break;
            }

            var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
            await target.WriteAsync(buffer.AsMemory(0, read.Count)).ConfigureAwait(false);
        }

        await stdout.FlushAsync().ConfigureAwait(false);
        await stderr.FlushAsync().ConfigureAwait(false);
    }

    private async Task PullAsync(string image, CancellationToken cancellationToken)
    {
        var (name, tag) = SplitImage(image);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PullTimeout);
        string? error = null;
        try
        {
            await Client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = name, Tag = tag }, authConfig: null,
                new Progress<JSONMessage>(message => error ??= message.ErrorMessage), timeout.Token).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new PermanentStepException($"the image {image} is not on the Docker host and cannot be pulled ({ex.StatusCode})", ex);
        }

        if (error is not null)
        {
            throw new PermanentStepException($"the image {image} is not on the Docker host and cannot be pulled: {error}");
        }
    }

    private string HostPath(string workspace)
    {
        if (_settings.HostWorkDir is { Length: > 0 } hostRoot && _settings.WorkDir is { Length: > 0 } root)
        {
            return Path.Combine(hostRoot, Path.GetRelativePath(root, workspace));
        }

        return workspace;
    }

    internal static (string Name, string Tag) SplitImage(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return (image, "");
        }

        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1 ? time : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Started container {Container} for run {RunId} {Step} attempt {Attempt} ({Image})")]
    private static partial void LogStarted(ILogger logger, string container, string runId, string step, int attempt, string image);
}
