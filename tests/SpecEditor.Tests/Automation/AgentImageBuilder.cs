using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace SpecEditor.Tests.Automation;

/// <summary>
/// Imports a tiny agent image from local material (no registry is reachable): a static busybox with a few applet links and an
/// <c>/agent.sh</c>. The tag is a hash of both, so an unchanged image is imported once. Shared by the tests and the benchmarks.
/// </summary>
public static class AgentImageBuilder
{
    public const string Busybox = "/bin/busybox";

    private static readonly string[] Applets = ["sh", "sleep", "mkdir", "cat", "echo", "id", "printf", "ls", "rm", "touch"];
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<string> EnsureAsync(string repository, string script, CancellationToken cancellationToken)
    {
        var busybox = await File.ReadAllBytesAsync(Busybox, cancellationToken);
        var tag = Convert.ToHexStringLower(SHA256.HashData([.. busybox, .. Encoding.UTF8.GetBytes(script)]))[..16];
        var image = $"{repository}:{tag}";
        await Gate.WaitAsync(cancellationToken);
        try
        {
            using var client = Client();
            try
            {
                await client.Images.InspectImageAsync(image, cancellationToken);
                return image;
            }
            catch (DockerImageNotFoundException)
            {
            }

            using var tar = new MemoryStream();
            await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                await AddDirectoryAsync(writer, "bin/", cancellationToken);
                await AddFileAsync(writer, "bin/busybox", busybox, cancellationToken);
                foreach (var applet in Applets)
                {
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, $"bin/{applet}") { LinkName = "busybox", Mode = (UnixFileMode)0b111_111_111 }, cancellationToken);
                }

                await AddFileAsync(writer, "agent.sh", Encoding.UTF8.GetBytes(script.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n"), cancellationToken);
                await AddDirectoryAsync(writer, "tmp/", cancellationToken);
                await AddDirectoryAsync(writer, "workspace/", cancellationToken);
            }

            tar.Position = 0;
            await client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromSrc = "-", Repo = repository, Tag = tag }, tar, authConfig: null, new Progress<JSONMessage>(), cancellationToken);
            return image;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>An agents file naming <paramref name="image"/> as agent "test", needing the secret TEST_AGENT_TOKEN, with small limits.</summary>
    public static string AgentsJson(string image) => $$"""
        {
          "agents": {
            "test": { "image": "{{image}}", "command": ["/bin/sh", "/agent.sh"], "secrets": ["TEST_AGENT_TOKEN"], "memoryMb": 64, "cpus": 0.5, "pids": 64 }
          }
        }
        """;

    public static DockerClient Client()
    {
        using var configuration = new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock"));
        return configuration.CreateClient();
    }

    private static Task AddDirectoryAsync(TarWriter writer, string name, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, name) { Mode = name == "tmp/" ? (UnixFileMode)0b1_111_111_111 : (UnixFileMode)0b111_101_101 }, cancellationToken);

    private static Task AddFileAsync(TarWriter writer, string name, byte[] content, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0b111_101_101, DataStream = new MemoryStream(content) }, cancellationToken);
}
