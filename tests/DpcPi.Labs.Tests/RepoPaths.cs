using System.Runtime.CompilerServices;

namespace DpcPi.Labs.Tests;

/// <summary>Locates the repository's wiring/ folder from this source file (the tests may build anywhere).</summary>
internal static class RepoPaths
{
    public static string WiringRoot => Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", "wiring"));

    private static string ThisDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
