# gemm.cmake — tests of the conv2d im2col + GEMM template (kernels/templates/gemm.c) and of the
# conv2d knob spaces (schedules/gemm.c, schedules/direct.c). Included by
# tests/kernels/CMakeLists.txt, which provides qt_add_kernel_test and qt_kernel_instance.
#
# test_gemm: the template instantiated with runtime shapes for configs that together cover
# every value of every knob (mr 1/2/4/6/8, nr 4/8/16/32, ku 1/2/4, vec outer/dot, order
# mn/nm, pad inline/prepad, rq tile/row/pass; rq=row only with order mn, as the space requires), each
# swept over the conv2d edge shapes and a few MobileNetV2-sized layers, both dtypes and both
# requant schemes, bit-exact against the reference. Host and cross (qemu) alike. Keep this list
# and test_gemm.c's table in step.
qt_add_kernel_test(test_gemm test_gemm.c)
# prefix                                       MR NR KU VEC ORDER PAD RQ
foreach(cfg
    "qt_gemm_4x16_ku1_outer_mn_inline_tile__c_ 4 16 1 0 0 0 0"
    "qt_gemm_1x4_ku2_dot_nm_prepad_pass__c_    1 4  2 1 1 1 2"
    "qt_gemm_2x8_ku4_dot_mn_prepad_row__c_     2 8  4 1 0 1 1"
    "qt_gemm_6x32_ku1_outer_nm_inline_tile__c_ 6 32 1 0 1 0 0"
    "qt_gemm_8x4_ku2_outer_mn_inline_pass__c_  8 4  2 0 0 0 2"
    "qt_gemm_8x16_ku4_outer_nm_prepad_tile__c_ 8 16 4 0 1 1 0"
    "qt_gemm_6x8_ku2_outer_mn_inline_row__c_   6 8  2 0 0 0 1"
    "qt_gemm_1x32_ku4_outer_mn_prepad_tile__c_ 1 32 4 0 0 1 0"
    "qt_gemm_2x16_ku1_dot_nm_inline_pass__c_   2 16 1 1 1 0 2"
    "qt_gemm_4x4_ku4_dot_mn_prepad_row__c_     4 4  4 1 0 1 1"
    "qt_gemm_8x32_ku1_outer_mn_prepad_pass__c_ 8 32 1 0 0 1 2"
    "qt_gemm_4x8_ku2_dot_nm_prepad_tile__c_    4 8  2 1 1 1 0")
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

# test_conv_space: valid(), default_config() and preference() of schedules/gemm.c and
# schedules/direct.c; needs libqtune, which the kernels-only (cross) build does not have.
if(TARGET qtune)
  qt_add_test(test_conv_space test_conv_space.c)
endif()
