using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>libc entry points the GPIO character device needs beyond the shared set.</summary>
internal static partial class Libc
{
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;

    // fcntl is variadic; F_GETFL/F_SETFL take an int (or nothing), passed in the same register as a fixed argument.
    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);
}
