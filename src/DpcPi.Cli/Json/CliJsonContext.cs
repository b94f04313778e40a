using System.Text.Json.Serialization;

namespace DpcPi.Cli.Json;

/// <summary>The CLI's own documents' serializer (soak), generated at build time, snake_case and indented as the reports.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SoakReportDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
