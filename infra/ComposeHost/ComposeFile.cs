using Pulumi;

namespace SpecEditor.Infra.ComposeHost;

/// <summary>app/compose.yaml: the file the EC2 host runs, read as bytes so the host gets it unchanged.</summary>
internal static class ComposeFile
{
    public static readonly string RelativePath = Path.Combine("app", "compose.yaml");

    public static byte[] Read(string rootDirectory)
    {
        var path = Path.Combine(rootDirectory, RelativePath);
        if (!File.Exists(path))
        {
            throw new RunException($"{path} does not exist; the ec2 target runs the repository's app/compose.yaml on the host.");
        }

        return File.ReadAllBytes(path);
    }
}
