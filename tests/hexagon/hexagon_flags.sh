# hexagon_flags.sh — sourced by the Hexagon platform tests: HX_CC, HX_CFLAGS and HX_LDFLAGS
# as configs/targets/hexagon-hvx.yaml gives them (the flags tune builds with), and HX_RT, the
# runtime sources a program links besides its main. Needs SRC (the repository root).
hx_field() { sed -n "s/^$1: *\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$SRC/configs/targets/hexagon-hvx.yaml"; }
HX_CC=$(hx_field compiler)
HX_CFLAGS=$(hx_field cflags)
HX_LDFLAGS=$(hx_field ldflags)
HX_DIR=$SRC/kernels/harness/hexagon
HX_RT="$HX_DIR/qt_hexagon_rt.c $HX_DIR/qt_hexagon_builtins.c"
