using Pulumi;

namespace SpecEditor.Infra.Settings;

/// <summary>
/// A secret config value. It prints as a placeholder so it cannot leak through logs or exception messages, and reaches
/// resources only as a Pulumi secret output, which is encrypted in the state and masked in previews.
/// </summary>
internal sealed class SecretString
{
    private readonly string value;

    public SecretString(string value)
    {
        this.value = value;
    }

    public bool IsEmpty => value.Length == 0;

    public Output<string> ToOutput() => Output.CreateSecret(value);

    public override string ToString() => "[secret]";
}
