using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Web;

/// <summary>Source-generated JSON for the API: no reflection at startup, fast serialisation on hot paths.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(CamelCaseEnumConverter<Specs.PodStatus>), typeof(CamelCaseEnumConverter<Specs.ChangeState>), typeof(CamelCaseEnumConverter<Specs.ChangeKind>)], DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
[JsonSerializable(typeof(IReadOnlyList<ValidationError>))]
[JsonSerializable(typeof(ValidationError[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Specs.PodListResponse))]
[JsonSerializable(typeof(Specs.PodResponse))]
[JsonSerializable(typeof(Specs.PreviewResponse))]
[JsonSerializable(typeof(Specs.ChangeResponse))]
[JsonSerializable(typeof(IReadOnlyList<Specs.ChangeResponse>))]
[JsonSerializable(typeof(IReadOnlyList<Specs.HistoryResponse>))]
[JsonSerializable(typeof(Specs.EditRequest))]
[JsonSerializable(typeof(Specs.CreateRequest))]
[JsonSerializable(typeof(Specs.SchemaResponse))]
[JsonSerializable(typeof(Auth.MeResponse))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>Enums travel as camelCase strings ("open", "ok"), in cached and live responses alike.</summary>
public sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
