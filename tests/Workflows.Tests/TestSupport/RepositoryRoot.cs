namespace SpecEditor.Workflows.Tests.TestSupport;

/// <summary>The repository root (where Pulumi.yaml and .github are), found from the test assembly's folder.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public static string Read(params string[] parts) => System.IO.File.ReadAllText(File(parts));

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Pulumi.yaml"))
                && Directory.Exists(System.IO.Path.Combine(directory.FullName, ".github")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Pulumi.yaml with a .github folder above {AppContext.BaseDirectory}");
    }
}
