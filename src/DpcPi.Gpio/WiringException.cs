namespace DpcPi.Gpio;

/// <summary>A malformed wiring file. The message is one line: "file: $.json.path: what is wrong; what is allowed."</summary>
public sealed class WiringException : FormatException
{
    public WiringException()
    {
    }

    public WiringException(string message)
        : base(message)
    {
    }

    public WiringException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WiringException(string fileName, string jsonPath, string problem, Exception? innerException = null)
        : base($"{fileName}: {jsonPath}: {problem}", innerException)
    {
        FileName = fileName;
        JsonPath = jsonPath;
    }

    public string FileName { get; } = string.Empty;

    public string JsonPath { get; } = string.Empty;
}
