using System.Text;
using Moq;
using SpecEditor.Hosting;
using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Tests.Specs.Schema;

public sealed class SchemaProviderTests
{
    private const string SchemaBlob = "5c4e3a1f0b2d4c6e8f0a1b2c3d4e5f60718293a4";
    private static readonly RepositorySnapshot Snapshot = new("tree", [], SchemaBlob);
    private static readonly byte[] GoodSchema = Encoding.UTF8.GetBytes("type: object\nproperties:\n  a:\n    type: string\n");

    [Theory]
    [InlineData("github-unavailable")]
    [InlineData("github-rate-limited")]
    [InlineData("github-credentials")]
    [InlineData("store-unavailable")]
    public async Task A_failed_read_of_the_schema_is_not_kept_and_the_next_request_reads_it_again(string failure)
    {
        var store = new Mock<ISpecStore>();
        store.SetupSequence(s => s.ReadBlobAsync(SchemaBlob, It.IsAny<CancellationToken>()))
            .ThrowsAsync(Failure(failure))
            .ReturnsAsync(GoodSchema);
        var provider = new SchemaProvider(store.Object);

        await Assert.ThrowsAnyAsync<AppException>(async () => await provider.GetAsync(Snapshot, TestContext.Current.CancellationToken));
        var schema = await provider.GetAsync(Snapshot, TestContext.Current.CancellationToken);

        Assert.Equal("a", Assert.Single(schema.Fields).DottedPath);
    }

    [Fact]
    public async Task A_schema_that_was_read_is_kept_and_a_broken_one_is_reported_without_reading_it_again()
    {
        const string brokenBlob = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
        var store = new Mock<ISpecStore>();
        store.Setup(s => s.ReadBlobAsync(SchemaBlob, It.IsAny<CancellationToken>())).ReturnsAsync(GoodSchema);
        store.Setup(s => s.ReadBlobAsync(brokenBlob, It.IsAny<CancellationToken>())).ReturnsAsync(Encoding.UTF8.GetBytes("type: object\nproperties:\n  a: {type: text}\n"));
        var provider = new SchemaProvider(store.Object);
        var broken = new RepositorySnapshot("tree", [], brokenBlob);

        for (var i = 0; i < 2; i++)
        {
            await provider.GetAsync(Snapshot, TestContext.Current.CancellationToken);
            await Assert.ThrowsAsync<InvalidSchemaException>(async () => await provider.GetAsync(broken, TestContext.Current.CancellationToken));
        }

        store.Verify(s => s.ReadBlobAsync(SchemaBlob, It.IsAny<CancellationToken>()), Times.Once);
        store.Verify(s => s.ReadBlobAsync(brokenBlob, It.IsAny<CancellationToken>()), Times.Once);
    }

    private static Exception Failure(string failure) => failure switch
    {
        "github-unavailable" => new GitHubUnavailableException("GitHub failed (502)"),
        "github-rate-limited" => new GitHubRateLimitedException(DateTimeOffset.UtcNow.AddMinutes(5), secondary: false),
        "github-credentials" => new GitHubCredentialsException("GitHub refused the token", 401),
        "store-unavailable" => new StoreUnavailableException("the repository is locked"),
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
