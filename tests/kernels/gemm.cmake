# gemm.cmake — tests of the conv2d im2col + GEMM template (kernels/templates/gemm.c) and of the
# conv2d knob spaces (schedules/gemm.c, schedules/direct.c). Included by
# tests/kernels/CMakeLists.txt, which provides qt_add_kernel_test and qt_kernel_instance.
#
# test_gemm: the template instantiated with runtime shapes for configs that together cover
# every value of every knob (mr 1/2/4/6/8, nr 4/8/16/32, ku 1/2/4, load weights/inputs, pipe
# 0/1/2, vec outer/dot, order mn/nm, pad inline/prepad, rq tile/row/pass, isa
# c/avx2/avx512vnni/neon/neondot; rq=row only with order mn, isa other than c only with vec
# outer, load/pipe other than weights/0 only with an isa other than c, as the space requires;
# every load and pipe value under every isa, natively and as a twin), each
# swept over the conv2d edge shapes and a few MobileNetV2-sized layers, both dtypes and both
# requant schemes, bit-exact against the reference. Host and cross (qemu) alike. Keep this list
# and test_gemm.c's table in step. ISA values: the "__<isa>_" entries are built with that ISA's
# flags (x86 ones on x86-64, Arm ones on aarch64; test_gemm skips them on a CPU without the
# feature, e.g. neondot under qemu -cpu cortex-a53), the "__<isa>_twin_" entries without, so
# they run the micro-kernel's plain C twin (everywhere, qemu included).
qt_add_kernel_test(test_gemm test_gemm.c)
set(gemm_isa_flags_1 -mavx2)
set(gemm_isa_flags_2 -mavx512f -mavx512bw -mavx512vnni)
set(gemm_isa_flags_3 "")
set(gemm_isa_flags_4 -march=armv8.2-a+dotprod)
set(gemm_cfgs
    # prefix                                         MR NR KU LOAD PIPE VEC ORDER PAD RQ ISA FLAGS
    "qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__avx2_twin_ 4 16 2 0 0 0 0 0 1 1 0"
    "qt_gemm_6x8_ku4_weights_pipe0_outer_nm_prepad_pass__avx2_twin_ 6 8 4 0 0 0 1 1 2 1 0"
    "qt_gemm_2x32_ku4_weights_pipe0_outer_mn_prepad_row__avx512vnni_twin_ 2 32 4 0 0 0 0 1 1 2 0"
    "qt_gemm_8x16_ku1_weights_pipe0_outer_nm_inline_tile__avx512vnni_twin_ 8 16 1 0 0 0 1 0 0 2 0"
    "qt_gemm_4x8_ku2_weights_pipe0_outer_mn_prepad_row__neon_twin_ 4 8 2 0 0 0 0 1 1 3 0"
    "qt_gemm_2x16_ku1_weights_pipe0_outer_nm_inline_pass__neondot_twin_ 2 16 1 0 0 0 1 0 2 4 0"
    "qt_gemm_2x8_ku1_inputs_pipe1_outer_mn_inline_tile__avx2_twin_ 2 8 1 1 1 0 0 0 0 1 0"
    "qt_gemm_1x16_ku2_weights_pipe2_outer_nm_prepad_pass__avx2_twin_ 1 16 2 0 2 0 1 1 2 1 0"
    "qt_gemm_4x16_ku1_inputs_pipe2_outer_mn_inline_row__avx512vnni_twin_ 4 16 1 1 2 0 0 0 1 2 0"
    "qt_gemm_2x32_ku2_weights_pipe1_outer_nm_prepad_tile__avx512vnni_twin_ 2 32 2 0 1 0 1 1 0 2 0"
    "qt_gemm_2x8_ku1_inputs_pipe1_outer_mn_prepad_pass__neon_twin_ 2 8 1 1 1 0 0 1 2 3 0"
    "qt_gemm_4x16_ku2_weights_pipe2_outer_mn_inline_tile__neon_twin_ 4 16 2 0 2 0 0 0 0 3 0"
    "qt_gemm_2x16_ku1_inputs_pipe2_outer_mn_inline_row__neondot_twin_ 2 16 1 1 2 0 0 0 1 4 0"
    "qt_gemm_4x8_ku2_weights_pipe1_outer_nm_prepad_tile__neondot_twin_ 4 8 2 0 1 0 1 1 0 4 0")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  target_compile_definitions(test_gemm PRIVATE QT_TEST_X86_ISA=1)
  list(APPEND gemm_cfgs
    "qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__avx2_ 4 16 2 0 0 0 0 0 1 1 1"
    "qt_gemm_2x8_ku1_weights_pipe0_outer_nm_prepad_tile__avx2_ 2 8 1 0 0 0 1 1 0 1 1"
    "qt_gemm_8x32_ku4_weights_pipe0_outer_mn_inline_pass__avx2_ 8 32 4 0 0 0 0 0 2 1 1"
    "qt_gemm_8x32_ku2_weights_pipe0_outer_mn_inline_tile__avx512vnni_ 8 32 2 0 0 0 0 0 0 2 1"
    "qt_gemm_4x16_ku1_weights_pipe0_outer_nm_prepad_pass__avx512vnni_ 4 16 1 0 0 0 1 1 2 2 1"
    "qt_gemm_1x16_ku4_weights_pipe0_outer_mn_prepad_row__avx512vnni_ 1 16 4 0 0 0 0 1 1 2 1"
    "qt_gemm_6x32_ku1_weights_pipe0_outer_mn_inline_row__avx512vnni_ 6 32 1 0 0 0 0 0 1 2 1"
    "qt_gemm_2x16_ku1_inputs_pipe0_outer_mn_inline_tile__avx2_ 2 16 1 1 0 0 0 0 0 1 1"
    "qt_gemm_2x8_ku2_inputs_pipe1_outer_mn_prepad_row__avx2_ 2 8 2 1 1 0 0 1 1 1 1"
    "qt_gemm_1x16_ku1_weights_pipe2_outer_nm_inline_pass__avx2_ 1 16 1 0 2 0 1 0 2 1 1"
    "qt_gemm_2x8_ku4_weights_pipe1_outer_mn_inline_tile__avx2_ 2 8 4 0 1 0 0 0 0 1 1"
    "qt_gemm_4x32_ku2_inputs_pipe1_outer_mn_inline_tile__avx512vnni_ 4 32 2 1 1 0 0 0 0 2 1"
    "qt_gemm_6x16_ku1_weights_pipe1_outer_nm_prepad_pass__avx512vnni_ 6 16 1 0 1 0 1 1 2 2 1"
    "qt_gemm_2x32_ku4_inputs_pipe2_outer_mn_inline_row__avx512vnni_ 2 32 4 1 2 0 0 0 1 2 1"
    "qt_gemm_4x16_ku1_weights_pipe2_outer_mn_prepad_tile__avx512vnni_ 4 16 1 0 2 0 0 1 0 2 1"
    "qt_gemm_8x16_ku1_inputs_pipe0_outer_mn_inline_pass__avx512vnni_ 8 16 1 1 0 0 0 0 2 2 1")
endif()
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  target_compile_definitions(test_gemm PRIVATE QT_TEST_ARM_ISA=1)
  list(APPEND gemm_cfgs
    "qt_gemm_4x16_ku1_weights_pipe0_outer_mn_inline_tile__neon_ 4 16 1 0 0 0 0 0 0 3 1"
    "qt_gemm_8x8_ku2_weights_pipe0_outer_mn_prepad_row__neon_ 8 8 2 0 0 0 0 1 1 3 1"
    "qt_gemm_2x32_ku4_weights_pipe0_outer_mn_inline_pass__neon_ 2 32 4 0 0 0 0 0 2 3 1"
    "qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__neondot_ 4 16 2 0 0 0 0 0 1 4 1"
    "qt_gemm_8x8_ku1_weights_pipe0_outer_nm_prepad_tile__neondot_ 8 8 1 0 0 0 1 1 0 4 1"
    "qt_gemm_1x4_ku4_weights_pipe0_outer_mn_prepad_pass__neondot_ 1 4 4 0 0 0 0 1 2 4 1"
    "qt_gemm_4x8_ku1_inputs_pipe0_outer_mn_inline_tile__neon_ 4 8 1 1 0 0 0 0 0 3 1"
    "qt_gemm_2x16_ku2_weights_pipe1_outer_nm_prepad_pass__neon_ 2 16 2 0 1 0 1 1 2 3 1"
    "qt_gemm_4x16_ku1_inputs_pipe2_outer_mn_inline_row__neon_ 4 16 1 1 2 0 0 0 1 3 1"
    "qt_gemm_1x8_ku4_inputs_pipe1_outer_mn_prepad_tile__neon_ 1 8 4 1 1 0 0 1 0 3 1"
    "qt_gemm_4x8_ku1_inputs_pipe0_outer_mn_inline_pass__neondot_ 4 8 1 1 0 0 0 0 2 4 1"
    "qt_gemm_2x16_ku2_weights_pipe1_outer_mn_inline_tile__neondot_ 2 16 2 0 1 0 0 0 0 4 1"
    "qt_gemm_4x4_ku4_inputs_pipe2_outer_mn_prepad_row__neondot_ 4 4 4 1 2 0 0 1 1 4 1"
    "qt_gemm_6x8_ku1_inputs_pipe1_outer_mn_inline_tile__neondot_ 6 8 1 1 1 0 0 0 0 4 1")
endif()
# prefix                                       MR NR KU VEC ORDER PAD RQ (isa c: load weights, pipe 0)
foreach(cfg
    "qt_gemm_4x16_ku1_weights_pipe0_outer_mn_inline_tile__c_ 4 16 1 0 0 0 0"
    "qt_gemm_1x4_ku2_weights_pipe0_dot_nm_prepad_pass__c_    1 4  2 1 1 1 2"
    "qt_gemm_2x8_ku4_weights_pipe0_dot_mn_prepad_row__c_     2 8  4 1 0 1 1"
    "qt_gemm_6x32_ku1_weights_pipe0_outer_nm_inline_tile__c_ 6 32 1 0 1 0 0"
    "qt_gemm_8x4_ku2_weights_pipe0_outer_mn_inline_pass__c_  8 4  2 0 0 0 2"
    "qt_gemm_8x16_ku4_weights_pipe0_outer_nm_prepad_tile__c_ 8 16 4 0 1 1 0"
    "qt_gemm_6x8_ku2_weights_pipe0_outer_mn_inline_row__c_   6 8  2 0 0 0 1"
    "qt_gemm_1x32_ku4_weights_pipe0_outer_mn_prepad_tile__c_ 1 32 4 0 0 1 0"
    "qt_gemm_2x16_ku1_weights_pipe0_dot_nm_inline_pass__c_   2 16 1 1 1 0 2"
    "qt_gemm_4x4_ku4_weights_pipe0_dot_mn_prepad_row__c_     4 4  4 1 0 1 1"
    "qt_gemm_8x32_ku1_weights_pipe0_outer_mn_prepad_pass__c_ 8 32 1 0 0 1 2"
    "qt_gemm_4x8_ku2_weights_pipe0_dot_nm_prepad_tile__c_    4 8  2 1 1 1 0")
  string(REGEX REPLACE " +" ";" cfg "${cfg}")
  list(GET cfg 0 prefix)
  list(GET cfg 1 mr)
  list(GET cfg 2 nr)
  list(GET cfg 3 ku)
  list(GET cfg 4 vec)
  list(GET cfg 5 order)
  list(GET cfg 6 pad)
  list(GET cfg 7 rq)
  qt_kernel_instance(test_gemm templates/gemm.c ${prefix} QT_KNOB_MR=${mr} QT_KNOB_NR=${nr}
                     QT_KNOB_KU=${ku} QT_KNOB_VEC=${vec} QT_KNOB_ORDER=${order} QT_KNOB_PAD=${pad}
                     QT_KNOB_RQ=${rq})
endforeach()
foreach(cfg IN LISTS gemm_cfgs)
  string(REGEX REPLACE " +" ";" cfg "${cfg}")
  list(GET cfg 0 prefix)
  list(GET cfg 1 mr)
  list(GET cfg 2 nr)
  list(GET cfg 3 ku)
  list(GET cfg 4 load)
  list(GET cfg 5 pipe)
  list(GET cfg 6 vec)
  list(GET cfg 7 order)
  list(GET cfg 8 pad)
  list(GET cfg 9 rq)
  list(GET cfg 10 isa)
  list(GET cfg 11 with_flags)
  set(flags "")
  if(with_flags)
    set(flags ${gemm_isa_flags_${isa}})
  endif()
  qt_kernel_instance(test_gemm templates/gemm.c ${prefix} QT_KNOB_MR=${mr} QT_KNOB_NR=${nr}
                     QT_KNOB_KU=${ku} QT_KNOB_VEC=${vec} QT_KNOB_ORDER=${order} QT_KNOB_PAD=${pad}
                     QT_KNOB_RQ=${rq} QT_KNOB_ISA=${isa} QT_KNOB_LOAD=${load} QT_KNOB_PIPE=${pipe}
                     ${flags})
endforeach()

# test_requant: qt_requant_fixedpoint_vec (the vectorisable form the templates use) against
# the scalar oracle qt_requant_fixedpoint, on every edge value and millions of random inputs,
# also through vectorised loops. Host and cross (qemu) alike.
qt_add_kernel_test(test_requant test_requant.c)

# test_conv_space: valid(), default_config() and preference() of schedules/gemm.c and
# schedules/direct.c; needs libqtune, which the kernels-only (cross) build does not have.
if(TARGET qtune)
  qt_add_test(test_conv_space test_conv_space.c)
endif()
