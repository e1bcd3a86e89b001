namespace DistGen.Grains.Jobs;

/// <summary>Orders member names ("worker 2", "worker 10", "generator 0") by role, then by index as a number.</summary>
public sealed class MemberOrder : IComparer<string>
{
    public static MemberOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var (roleX, indexX) = Split(x ?? "");
        var (roleY, indexY) = Split(y ?? "");
        int byRole = string.CompareOrdinal(roleX, roleY);
        return byRole != 0 ? byRole : indexX.CompareTo(indexY);
    }

    private static (string Role, long Index) Split(string member)
    {
        int space = member.LastIndexOf(' ');
        return space > 0 && long.TryParse(member.AsSpan(space + 1), out var index) ? (member[..space], index) : (member, -1);
    }
}
