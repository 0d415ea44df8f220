# Sourced by install.sh and build-web.sh: puts the built console pages in
# place under an installation while its console may be serving them.
#   swap_pages DIST SHARE
# The pages go to SHARE/web-<stamp>; SHARE/web is a symlink that one
# rename(2) moves to them, so a request sees the old pages or the new ones,
# never a mix and never none. The previous pages are removed afterwards.
swap_pages() {
  local dist="$1" share="$2" new old
  new="web-$(date +%s%N)"
  cp -r "$dist" "$share/$new"
  old="$(readlink "$share/web" 2>/dev/null || true)"
  ln -s "$new" "$share/web.tmp.$$"
  if [ -d "$share/web" ] && [ ! -L "$share/web" ]; then
    rm -rf "${share:?}/web"  # a plain directory from an older installation
  fi
  mv -T "$share/web.tmp.$$" "$share/web"
  if [ -n "$old" ] && [ "$old" != "$new" ]; then
    rm -rf "${share:?}/$old"
  fi
}
