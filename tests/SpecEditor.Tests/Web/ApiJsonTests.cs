using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Web;

/// <summary>
/// Native AOT has no reflection-based JSON: the API's serializer options resolve only source-generated contracts, in the
/// tests as published, so every type an endpoint reads or writes must be declared in a JsonSerializerContext.
/// </summary>
public sealed class ApiJsonTests
{
    [Fact]
    public async Task The_api_serializer_has_no_reflection_fallback()
    {
        await using var app = await TestApp.StartAsync();
        var options = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        Assert.DoesNotContain(options.TypeInfoResolverChain, resolver => resolver is DefaultJsonTypeInfoResolver);
        Assert.Throws<NotSupportedException>(() => options.GetTypeInfo(typeof(UndeclaredBody)));
    }

    [Fact]
    public async Task Every_type_an_api_endpoint_reads_or_writes_as_json_has_a_source_generated_contract()
    {
        await using var app = await TestApp.StartAsync();
        var options = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .ToList();

        var types = endpoints.SelectMany(endpoint =>
                endpoint.Metadata.OfType<IProducesResponseTypeMetadata>()
                    .Where(produces => produces.ContentTypes.Any(type => type.Contains("json", StringComparison.Ordinal)))
                    .Select(produces => produces.Type)
                    .Concat(endpoint.Metadata.OfType<IAcceptsMetadata>().Select(accepts => accepts.RequestType))
                    .OfType<Type>()
                    .Where(type => type != typeof(void))
                    .Select(type => (Endpoint: endpoint.DisplayName, Type: type)))
            .ToList();

        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} API endpoints found");
        Assert.Contains(types, t => t.Type == typeof(SpecEditor.Automation.RunResponse));
        Assert.Contains(types, t => t.Type == typeof(SpecEditor.Specs.EditRequest));
        foreach (var (endpoint, type) in types)
        {
            var error = Record.Exception(() => options.GetTypeInfo(type));
            Assert.True(error is null, $"{endpoint}: {type} has no source-generated JSON contract ({error?.Message})");
        }
    }

    [Fact]
    public async Task Problems_are_written_with_the_apis_escaping_and_their_errors_as_arrays()
    {
        await using var app = await TestApp.StartAsync();

        using var unreadable = await app.Client.PostAsync("/api/pods/acme/dev/preview", new StringContent("{nope", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var invalid = await app.Client.PostAsync("/api/pods/acme/dev/preview", new StringContent("""{"version":"not-a-blob-id","values":{}}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal("application/problem+json", unreadable.Content.Headers.ContentType?.MediaType);
        Assert.Contains("matches the API's OpenAPI document", await unreadable.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("version", Assert.Single(problem.RootElement.GetProperty("errors").EnumerateArray()).GetProperty("path").GetString());
    }

    private sealed record UndeclaredBody(string Name);
}
