using Docker.DotNet;
using Docker.DotNet.Models;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>
/// A tiny agent image built on this machine (no registry is reachable): a static busybox and a script that writes the phase's
/// Spec Kit file. The feature description steers it: <c>[fail-once:PHASE]</c> fails the first attempt, <c>[fail:PHASE]</c> always
/// fails, <c>[no-output:PHASE]</c> exits 0 without the file, <c>[hang:PHASE]</c> sleeps for ten minutes, <c>[slow:PHASE]</c> for
/// six seconds, and <c>[leak]</c> prints the secret TEST_AGENT_TOKEN to stdout, stderr and the file.
/// </summary>
public static class TestAgentImage
{
    public const string Repository = "spec-editor-test-agent";
    public const string SecretName = "TEST_AGENT_TOKEN";

    private const string Script = """
        #!/bin/sh
        set -eu
        phase="$SPECKIT_PHASE"
        dir="$SPECKIT_FEATURE_DIR"
        desc="$SPECKIT_DESCRIPTION"
        case "$phase" in specify) file=spec.md ;; plan) file=plan.md ;; tasks) file=tasks.md ;; *) echo "unknown phase $phase" >&2; exit 2 ;; esac
        echo "agent: $phase attempt $SPECKIT_ATTEMPT as uid $(id -u) in $dir"
        echo "agent: working on $phase" >&2
        case "$desc" in *"[fail-once:$phase]"*) if [ "$SPECKIT_ATTEMPT" = "1" ]; then echo "simulated failure in $phase" >&2; exit 3; fi ;; esac
        case "$desc" in *"[fail:$phase]"*) echo "always failing in $phase" >&2; exit 4 ;; esac
        case "$desc" in *"[no-output:$phase]"*) echo "finished without writing $file"; exit 0 ;; esac
        case "$desc" in *"[hang:$phase]"*) echo "hanging"; sleep 600 ;; esac
        case "$desc" in *"[slow:$phase]"*) echo "working slowly"; sleep 6 ;; esac
        case "$desc" in *"[leak]"*) echo "token=$TEST_AGENT_TOKEN"; echo "stderr has $TEST_AGENT_TOKEN too" >&2 ;; esac
        mkdir -p "/workspace/$dir"
        { echo "# $phase"; echo; echo "$desc"; echo; echo "$SPECKIT_PROMPT"; } > "/workspace/$dir/$file"
        case "$desc" in *"[leak]"*) echo "secret: $TEST_AGENT_TOKEN" >> "/workspace/$dir/$file" ;; esac
        echo "agent: wrote $dir/$file"
        """;

    public static bool Available => File.Exists(AgentImageBuilder.Busybox);

    /// <summary>The image reference, imported once per content.</summary>
    public static async Task<string> EnsureAsync(CancellationToken cancellationToken)
    {
        Requires.Docker();
        Requires.Tool(Available, "a static busybox at /bin/busybox (Debian package busybox-static)");
        return await AgentImageBuilder.EnsureAsync(Repository, Script, cancellationToken);
    }

    /// <summary>The agents file naming this image as agent "test", with the secret it needs and small limits.</summary>
    public static string AgentsJson(string image) => AgentImageBuilder.AgentsJson(image);

    public static DockerClient Client() => AgentImageBuilder.Client();

    /// <summary>Containers (running or not) labelled with this run.</summary>
    public static async Task<IList<ContainerListResponse>> ContainersOfRunAsync(string runId)
    {
        using var client = Client();
        return await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"dev.spec-editor.run={runId}"] = true } },
        });
    }
}
