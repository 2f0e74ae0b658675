using System.Text.Json.Serialization;

namespace SpecEditor.Automation.Runners.Kubernetes;

// Only the fields KubernetesJobRunner sets or reads, under Kubernetes' JSON names (camelCase). Writing leaves out what is null;
// reading ignores the many fields not listed. Properties are in alphabetical order, as the API's own clients write them.
// Quantities ("256Mi", "500m") are the strings the API takes and returns; times are RFC 3339.

internal sealed class V1ObjectMeta
{
    public Dictionary<string, string>? Labels { get; init; }

    public string? Name { get; init; }

    public List<V1OwnerReference>? OwnerReferences { get; init; }

    public string? Uid { get; init; }
}

internal sealed class V1OwnerReference
{
    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }

    public string? Name { get; init; }

    public string? Uid { get; init; }
}

internal sealed class V1Secret
{
    /// <summary>Values as bytes: JSON carries them base64-encoded, as the API wants.</summary>
    public Dictionary<string, byte[]>? Data { get; init; }

    public V1ObjectMeta? Metadata { get; init; }

    public string? Type { get; init; }
}

internal sealed class V1SecretList
{
    public List<V1Secret> Items { get; init; } = [];
}

internal sealed class V1Job
{
    public V1ObjectMeta? Metadata { get; init; }

    public V1JobSpec? Spec { get; init; }

    public V1JobStatus? Status { get; init; }
}

internal sealed class V1JobList
{
    public List<V1Job> Items { get; init; } = [];
}

internal sealed class V1JobSpec
{
    public int? BackoffLimit { get; init; }

    public V1PodTemplateSpec? Template { get; init; }

    public int? TtlSecondsAfterFinished { get; init; }
}

internal sealed class V1JobStatus
{
    public int? Active { get; init; }

    public DateTimeOffset? CompletionTime { get; init; }

    public int? Failed { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public int? Succeeded { get; init; }
}

internal sealed class V1PodTemplateSpec
{
    public V1ObjectMeta? Metadata { get; init; }

    public V1PodSpec? Spec { get; init; }
}

internal sealed class V1PodSpec
{
    public bool? AutomountServiceAccountToken { get; init; }

    public List<V1Container>? Containers { get; init; }

    public bool? EnableServiceLinks { get; init; }

    public string? RestartPolicy { get; init; }

    public V1PodSecurityContext? SecurityContext { get; init; }

    public List<V1Volume>? Volumes { get; init; }
}

internal sealed class V1PodSecurityContext
{
    public long? FsGroup { get; init; }

    public long? RunAsGroup { get; init; }

    public bool? RunAsNonRoot { get; init; }

    public long? RunAsUser { get; init; }

    public V1SeccompProfile? SeccompProfile { get; init; }
}

internal sealed class V1SeccompProfile
{
    public string? Type { get; init; }
}

internal sealed class V1Container
{
    public List<string>? Args { get; init; }

    public List<V1EnvVar>? Env { get; init; }

    public string? Image { get; init; }

    public string? Name { get; init; }

    public V1ResourceRequirements? Resources { get; init; }

    public V1SecurityContext? SecurityContext { get; init; }

    public List<V1VolumeMount>? VolumeMounts { get; init; }

    public string? WorkingDir { get; init; }
}

internal sealed class V1EnvVar
{
    public string? Name { get; init; }

    public string? Value { get; init; }

    public V1EnvVarSource? ValueFrom { get; init; }
}

internal sealed class V1EnvVarSource
{
    public V1SecretKeySelector? SecretKeyRef { get; init; }
}

internal sealed class V1SecretKeySelector
{
    public string? Key { get; init; }

    public string? Name { get; init; }
}

internal sealed class V1ResourceRequirements
{
    public Dictionary<string, string>? Limits { get; init; }

    public Dictionary<string, string>? Requests { get; init; }
}

internal sealed class V1SecurityContext
{
    public bool? AllowPrivilegeEscalation { get; init; }

    public V1Capabilities? Capabilities { get; init; }

    public bool? ReadOnlyRootFilesystem { get; init; }

    public bool? RunAsNonRoot { get; init; }
}

internal sealed class V1Capabilities
{
    public List<string>? Drop { get; init; }
}

internal sealed class V1VolumeMount
{
    public string? MountPath { get; init; }

    public string? Name { get; init; }

    public string? SubPath { get; init; }
}

internal sealed class V1Volume
{
    public V1EmptyDirVolumeSource? EmptyDir { get; init; }

    public string? Name { get; init; }

    public V1PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; init; }
}

internal sealed class V1EmptyDirVolumeSource
{
    public string? SizeLimit { get; init; }
}

internal sealed class V1PersistentVolumeClaimVolumeSource
{
    public string? ClaimName { get; init; }
}

internal sealed class V1Pod
{
    public V1ObjectMeta? Metadata { get; init; }

    public V1PodStatus? Status { get; init; }
}

internal sealed class V1PodList
{
    public List<V1Pod> Items { get; init; } = [];
}

internal sealed class V1PodStatus
{
    public List<V1ContainerStatus>? ContainerStatuses { get; init; }

    public string? Phase { get; init; }
}

internal sealed class V1ContainerStatus
{
    public string? Name { get; init; }

    public V1ContainerState? State { get; init; }
}

internal sealed class V1ContainerState
{
    public V1ContainerStateTerminated? Terminated { get; init; }

    public V1ContainerStateWaiting? Waiting { get; init; }
}

internal sealed class V1ContainerStateTerminated
{
    public int ExitCode { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? Reason { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
}

internal sealed class V1ContainerStateWaiting
{
    public string? Message { get; init; }

    public string? Reason { get; init; }
}

/// <summary>The error body the API server sends with a non-2xx answer.</summary>
internal sealed class V1Status
{
    public string? Message { get; init; }

    public string? Reason { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1SecretList))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1JobList))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1PodList))]
[JsonSerializable(typeof(V1Status))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
