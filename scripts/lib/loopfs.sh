# Loop-mounted file systems for scripts/demo and scripts/bench-clone.
# make_loopfs KIND SIZE_MIB DIR: makes DIR/KIND.img, mounts it at DIR/KIND, prints the mount point.
# cleanup_loopfs DIR: unmounts every file system make_loopfs mounted under DIR and deletes DIR.

make_loopfs() {
    local kind=$1 size=$2 dir=$3
    local image=$dir/$kind.img mountpoint=$dir/$kind
    mkdir -p "$mountpoint"
    truncate -s "${size}M" "$image"
    case $kind in
        btrfs) mkfs.btrfs -q -f "$image" >/dev/null ;;
        xfs) mkfs.xfs -q -f -m reflink=1 "$image" >/dev/null ;;
        ext4) mkfs.ext4 -q -F "$image" >/dev/null ;;
        *) echo "unknown file system $kind" >&2; return 1 ;;
    esac
    mount -o loop "$image" "$mountpoint"
    echo "$mountpoint"
}

cleanup_loopfs() {
    local dir=$1 mountpoint
    [ -d "$dir" ] || return 0
    # Overlay workspaces a failed run left mounted inside, deepest first, before their file systems.
    findmnt -n -l -o TARGET | grep -F "$dir/" | grep -vxF -e "$dir/btrfs" -e "$dir/xfs" -e "$dir/ext4" | sort -r |
        while IFS= read -r mountpoint; do umount "$mountpoint" || umount -l "$mountpoint"; done || true
    for mountpoint in "$dir"/btrfs "$dir"/xfs "$dir"/ext4; do
        if mountpoint -q "$mountpoint" 2>/dev/null; then
            umount "$mountpoint" || umount -l "$mountpoint"
        fi
    done
    rm -rf "$dir"
}
