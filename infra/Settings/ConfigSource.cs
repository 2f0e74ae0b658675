namespace SpecEditor.Infra.Settings;

/// <summary>Raw stack configuration of the project namespace, one string per key (JSON for lists and maps), or null when unset.</summary>
internal interface IConfigSource
{
    string? Get(string key);
}

/// <summary>The stack's Pulumi config (project keys plus their Pulumi.yaml defaults).</summary>
internal sealed class PulumiConfigSource : IConfigSource
{
    private readonly Pulumi.Config config = new();

    // Secret keys are read as plain text here on purpose: the reader validates them and wraps them in SecretString at once.
    public string? Get(string key) => config.Get(key);
}
