using DpcPi.Gpio;
using DpcPi.Platform;
using DpcPi.Reporting;

namespace DpcPi.Cli.CommandLine;

/// <summary>Dispatches to a subcommand and turns every expected failure into one line plus an exit code.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            args = MainJob(File.Exists("/proc/device-tree/model") && File.ReadAllText("/proc/device-tree/model").Contains("Raspberry Pi", StringComparison.Ordinal)
                && Directory.EnumerateFiles("/dev", "gpiochip*").Any());
            output.WriteLine($"dpcpi {string.Join(' ', args)}   (the main job; `dpcpi --help` lists the commands)");
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(MainUsage());
            return ExitCodes.Ok;
        }

        if (args[0] is "--version")
        {
            output.WriteLine(typeof(CliApp).Assembly.GetName().Version);
            return ExitCodes.Ok;
        }

        var command = CommandRegistry.Find(args[0]);
        if (command is null)
        {
            error.WriteLine($"dpcpi: unknown command '{args[0]}'; commands: {string.Join(", ", CommandRegistry.All.Select(c => c.Name))}");
            return ExitCodes.Usage;
        }

        var rest = args.Skip(1).ToArray();
        if (rest.Contains("--help"))
        {
            output.WriteLine(command.Usage);
            return ExitCodes.Ok;
        }

        try
        {
            return await command.RunAsync(rest, output, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            error.WriteLine(ex.Message);
            return ex.ExitCode;
        }
        catch (OutputException ex)
        {
            // Checked before the run (a bad path: 2) or failed after it (the terminal report is out already).
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ex.DiskFull ? ExitCodes.DiskFull : ExitCodes.Usage;
        }
        catch (GpioException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Device;
        }
        catch (PlatformException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Device;
        }
        catch (Gpio.WiringException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (UnauthorizedAccessException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Device;
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {FirstLine(ex.Message)}");
            return ExitCodes.Usage;
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>What `dpcpi` with no arguments runs (the wrapper script and the dll alike): a short latency run, on the Pi's loopback jumper (GPIO17 → GPIO27) on a Pi, on the fake backend elsewhere.</summary>
    internal static string[] MainJob(bool onRaspberryPi) => onRaspberryPi
        ? ["latency", "--source", "gpio", "-D", "10s", "-i", "1000"]
        : ["latency", "--source", "fake", "-D", "5s", "-i", "1000"];

    private static string MainUsage() =>
        "dpcpi — Windows-style DPCs for Raspberry Pi GPIO interrupts, with honest latency figures\n\n" +
        "usage: dpcpi <command> [options]   (dpcpi <command> --help for its options)\n\ncommands:\n" +
        string.Join('\n', CommandRegistry.All.Select(c => $"  {c.Name,-10} {c.Summary}"));
}
