namespace DistGen.Grains.Hosting;

/// <summary>
/// On an options class: a key its section once had, now the setting <see cref="Key"/> of section <see cref="Section"/>.
/// A silo still given the old key refuses it naming the new one (<see cref="SettingsSection"/>), rather than ignore it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class RenamedSettingAttribute(string oldKey, string section, string key) : Attribute
{
    public string OldKey { get; } = oldKey;

    public string Section { get; } = section;

    public string Key { get; } = key;
}
